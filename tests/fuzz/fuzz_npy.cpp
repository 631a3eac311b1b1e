// The .npy reader: any file is either a float32 tensor or an rt::Error.
#include "runtime/npy.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rnc::fuzz::refuse_quietly([&] { rnc::rt::read_npy(rnc::fuzz::as_file(data, size)); });
}
