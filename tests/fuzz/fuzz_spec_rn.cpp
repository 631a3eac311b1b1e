// The .rn text-syntax reader: any text is either a checked Graph or a CompileError.
#include "dsl/spec_rn.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return rnc::fuzz::refuse_quietly([&] { rnc::parse_spec_rn(text, "fuzz.rn"); });
}
