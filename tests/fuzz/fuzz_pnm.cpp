// The PGM/PPM reader: any file is either an Image or an rt::Error.
#include "runtime/pnm.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rnc::fuzz::refuse_quietly([&] { rnc::rt::read_pnm(rnc::fuzz::as_file(data, size)); });
}
