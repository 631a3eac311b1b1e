// The ONNX importer: any file is either a checked graph with its weights or a CompileError.
// External data is looked up in a directory that does not exist, so no input reads other files.
#include "dsl/onnx/onnx_import.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rnc::fuzz::refuse_quietly([&] {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    const auto model = rnc::onnx_import::import_onnx_bytes(bytes, "fuzz.onnx", "/nonexistent-resnetc-fuzz");
    (void)rnc::onnx_import::imported_graph(model, "fuzz.onnx");
  });
}
