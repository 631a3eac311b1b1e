// The safetensors reader: any file is either a WeightMap or a CompileError.
#include "dsl/weights.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rnc::fuzz::refuse_quietly([&] { rnc::read_safetensors(rnc::fuzz::as_file(data, size)); });
}
