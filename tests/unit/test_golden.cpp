// Golden sources: the code resnetc emits, compared byte for byte with committed copies, so any
// change to generated code is deliberate and reviewed. UPDATE_GOLDEN=1 rewrites the copies.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "codegen/compile.hpp"
#include "dsl/spec_reader.hpp"
#include "tests/support/files.hpp"

namespace fs = std::filesystem;
using namespace rnc;
using rnc::test::read_file;

namespace {

const fs::path kRoot = RESNETC_SOURCE_DIR;

// The generated sources that are golden: everything but the copied runtime and the blob.
std::map<std::string, std::string> generated_sources(const std::string& spec) {
  const Graph graph = read_spec((kRoot / spec).string());
  // An explicit target: `native` resolves to what the machine running the test supports.
  CompileOptions options;
  options.target = "avx512";
  CompiledProject project = compile_project(graph, random_weights(graph, 42), options);
  std::map<std::string, std::string> files;
  for (auto& [path, text] : project.files)
    if (path.rfind("runtime/", 0) != 0) files[path] = std::move(text);
  return files;
}

void check_golden(const std::string& spec, const fs::path& golden_dir) {
  const auto files = generated_sources(spec);
  if (std::getenv("UPDATE_GOLDEN")) {
    fs::remove_all(golden_dir);
    fs::create_directories(golden_dir);
    for (const auto& [path, text] : files) std::ofstream(golden_dir / path, std::ios::binary) << text;
    MESSAGE("rewrote " << golden_dir.string());
    return;
  }
  std::set<std::string> committed;
  for (const auto& entry : fs::directory_iterator(golden_dir)) committed.insert(entry.path().filename().string());
  for (const auto& file : files) {
    const auto& [path, text] = file;
    const std::string where = (golden_dir / path).string();  // clang 14 cannot capture a binding in INFO
    INFO("file " << where << " (run with UPDATE_GOLDEN=1 to accept the new output)");
    REQUIRE(committed.contains(path));
    const std::string golden = read_file(golden_dir / path);
    if (golden != text) {
      std::size_t at = 0;
      while (at < golden.size() && at < text.size() && golden[at] == text[at]) ++at;
      const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
      FAIL("differs from the generated code at byte " << at << " (line " << line << ")");
    }
    committed.erase(path);
  }
  INFO("files committed but no longer generated in " << golden_dir.string());
  CHECK(committed.empty());
}

}  // namespace

TEST_CASE("golden: the seed network in generated/resnet18 is current") {
  check_golden("examples/resnet18.json", kRoot / "generated" / "resnet18");
}

TEST_CASE("golden: tests/specs/general_form.json") {
  check_golden("tests/specs/general_form.json", kRoot / "tests" / "golden" / "general_form");
}

TEST_CASE("golden: tests/specs/blocked_stem.json") {
  check_golden("tests/specs/blocked_stem.json", kRoot / "tests" / "golden" / "blocked_stem");
}

TEST_CASE("golden: generation is deterministic") {
  CHECK(generated_sources("examples/resnet18.json") == generated_sources("examples/resnet18.json"));
}
