// Regression tests for what the libFuzzer harnesses (tests/fuzz/) found: each input, reduced,
// must now be refused with the reader's documented error, naming where the problem is.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "dsl/diagnostics.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/weights.hpp"

namespace {

namespace fs = std::filesystem;

// The CompileError message of `read`, or a failed check if it throws nothing or something else.
template <class Read>
std::string compile_error_of(Read&& read) {
  try {
    read();
  } catch (const rnc::CompileError& e) {
    return e.what();
  }
  FAIL("expected a CompileError");
  return {};
}

// `bytes` in a file of its own, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes)
      : path_((fs::temp_directory_path() / ("rnc_fuzz_finding_" + std::to_string(::getpid()))).string()) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

// fuzz_spec_json: nlohmann throws out_of_range (not parse_error) for a number beyond double; it
// escaped parse_spec_json and terminated resnetc.
TEST_CASE("spec reader: a number too large for a double is invalid JSON at its line:column") {
  const std::string text = "{\"name\": \"n\",\n \"input\": {\"shape\": [1, 1e99999, 8, 8]}}";
  const std::string message = compile_error_of([&] { rnc::parse_spec_json(text, "spec.json"); });
  INFO(message);
  CHECK(message.find("spec.json") != std::string::npos);
  CHECK(message.find("2:25") != std::string::npos);
  CHECK(message.find("invalid JSON: number overflow parsing '1e99999'") != std::string::npos);
}

// The same number in a safetensors header (found by review of the finding above).
TEST_CASE("safetensors: a number too large for a double in the header is invalid JSON") {
  const std::string header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1e99999], \"data_offsets\": [0, 4]}}";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(header.size() >> (8 * i));
  const TempFile file(bytes + header + std::string(4, '\0'));
  const std::string message = compile_error_of([&] { rnc::read_safetensors(file.path()); });
  INFO(message);
  CHECK(message.find(file.path() + ": the header is not valid JSON") != std::string::npos);
  CHECK(message.find("number overflow") != std::string::npos);
}
