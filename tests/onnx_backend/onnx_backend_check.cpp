// ONNX's own backend tests (Debian's libonnx-testdata: node/ and pytorch-converted/) through
// resnetc. For every test directory: model.onnx imported with the test's other graph inputs bound
// as weights; SKIPPED with the reason when resnetc refuses it (an unsupported op, attribute or
// shape: docs/onnx.md); otherwise the reference interpreter, and with --generated the generated
// program, against ONNX's output on every data set at ONNX's tolerance (rtol 1e-3, atol 1e-7).
// Prints one table and the counts; exits 1 on any failure, 77 (skipped) when the data is absent.
//
//   onnx_backend_check [--data DIR] [--suites node,pytorch-converted] [--filter TEXT] [--markdown FILE]
//                      [--generated WORKDIR [--runtime-library LIB] [--cxx-compiler CXX] [--cxx-flags FLAGS]
//                       [--layer-optimization FLAG] [--jobs N]]
#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "tests/onnx_backend/backend_case.hpp"
#include "tests/onnx_backend/generated_models.hpp"
#include "tests/onnx_backend/report.hpp"
#include "tests/onnx_backend/skip_reason.hpp"
#include "tests/support/generated_program.hpp"
#include "tools/resnetc/args.hpp"

using namespace rnc;
using namespace rnc::backend;

namespace {

namespace fs = std::filesystem;

const std::vector<cli::OptionSpec> kOptions = {
    {"--data", "", "DIR", "the test data (default /usr/share/libonnx-testdata/data, Debian's libonnx-testdata)"},
    {"--suites", "", "LIST", "suites under DIR (default node,pytorch-converted)"},
    {"--filter", "", "TEXT", "only the tests whose name contains TEXT"},
    {"--markdown", "", "FILE", "also write the table as Markdown"},
    {"--verbose", "", "", "print the full diagnostic of each skipped test"},
    {"--generated", "", "WORKDIR", "also compile every model taken, build them at once in WORKDIR and run them"},
    {"--runtime-library", "", "FILE", "resnetc_runtime built with the same compiler and flags, shared by the models"},
    {"--cxx-compiler", "", "CXX", "compiler of the generated code"},
    {"--cxx-flags", "", "FLAGS", "CMAKE_CXX_FLAGS of the generated code (sanitizers)"},
    {"--layer-optimization", "", "FLAG", "optimization of the generated layer code (default -O3)"},
    {"--jobs", "", "N", "parallel jobs of the generated build (default: the processors)"}};

constexpr const char* kDefaultData = "/usr/share/libonnx-testdata/data";
// The exit status without test data (ctest's SKIP_RETURN_CODE).
constexpr int kExitSkipped = 77;

struct TestDir {
  std::string suite, name, path;
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    items.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return items;
}

std::vector<TestDir> test_dirs(const std::string& data, const std::vector<std::string>& suites,
                               const std::string& filter) {
  std::vector<TestDir> dirs;
  for (const std::string& suite : suites) {
    std::vector<TestDir> found;
    for (const auto& entry : fs::directory_iterator(data + "/" + suite)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory() && name.find(filter) != std::string::npos)
        found.push_back({suite, name, entry.path().string()});
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    dirs.insert(dirs.end(), found.begin(), found.end());
  }
  return dirs;
}

std::string failure(const std::string& where, const Comparison& c) {
  if (!c.shapes_match) return where + ": output shape differs";
  return fmt::format("{}: max error {:.3g}, {:.3g}x the tolerance", where, c.max_error, c.worst_ratio);
}

// A test that passed in the reference interpreter, its models compiled, waiting for the build.
struct Taken {
  std::size_t result;  // index into the results
  TestDir dir;
  Preparation preparation;
};

// The name of a generated model: unique over suites and data sets, and a C++ identifier.
std::string model_name(const TestDir& dir, std::size_t set) {
  std::string name = (dir.suite == "node" ? "node_" : "torch_") + dir.name.substr(dir.name.find('_') + 1);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return set == 0 ? name : fmt::format("{}_set{}", name, set);
}

// Import and reference interpreter for one directory; fills `result`, returns the models to
// generate when it passed.
std::optional<Preparation> check_reference(const TestDir& dir, Result& result, bool verbose) {
  Preparation prep = prepare(dir.path);
  if (!prep.refusal.empty()) {
    result.verdict = Verdict::kSkipped;
    result.detail = skip_reason(prep.refusal);
    if (verbose) fmt::print("{}/{}: {}\n", dir.suite, dir.name, prep.refusal);
    return std::nullopt;
  }
  for (const ImportedCase& imported : prep.cases) {
    const Comparison c = compare(run_reference_on(imported), imported.data.expected, Tolerance{});
    if (!c.passes()) {
      result.verdict = Verdict::kFailed;
      result.detail = failure("reference, " + imported.data.name, c);
      return std::nullopt;
    }
  }
  return prep;
}

void check_generated(const TestDir& dir, const Preparation& prep, const GeneratedModels& models, Result& result) {
  for (std::size_t set = 0; set < prep.cases.size(); ++set) {
    try {
      const Comparison c = compare(models.run(model_name(dir, set)), prep.cases[set].data.expected, Tolerance{});
      if (c.passes()) continue;
      result.detail = failure("generated, " + prep.cases[set].data.name, c);
    } catch (const test::TestFailure& e) {
      result.detail = fmt::format("generated, {}: {}", prep.cases[set].data.name, e.what());
    }
    result.verdict = Verdict::kFailed;
    return;
  }
}

// Compiles the models of a test that passed in the reference interpreter; false (and the test
// failed) when resnetc cannot compile one.
bool add_generated(GeneratedModels& models, const TestDir& dir, const Preparation& prep, Result& result) {
  for (std::size_t set = 0; set < prep.cases.size(); ++set)
    if (const std::string error = models.add(model_name(dir, set), prep.cases[set]); !error.empty()) {
      result.verdict = Verdict::kFailed;
      result.detail = "compile: " + error.substr(0, error.find('\n'));
      return false;
    }
  return true;
}

BuildSettings build_settings(const cli::Parsed& args) {
  BuildSettings s;
  s.work_dir = fs::absolute(*args.get("--generated")).string();
  s.runtime_library = args.get("--runtime-library").value_or("");
  s.cxx_compiler = args.get("--cxx-compiler").value_or("");
  s.cxx_flags = args.get("--cxx-flags").value_or("");
  s.layer_optimization = args.get("--layer-optimization").value_or("");
  s.jobs = args.has("--jobs") ? static_cast<int>(cli::parse_integer("--jobs", *args.get("--jobs"), 1, 256))
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return s;
}

int run(const cli::Parsed& args) {
  const std::string data = args.get("--data").value_or(kDefaultData);
  if (!fs::is_directory(data)) {
    fmt::print(
        "SKIPPED: no ONNX backend test data in {} (Debian's libonnx-testdata; tools/install_deps.sh test "
        "installs it)\n",
        data);
    return kExitSkipped;
  }
  const auto start = std::chrono::steady_clock::now();
  const bool verbose = args.has("--verbose");
  std::optional<GeneratedModels> models;
  if (args.has("--generated")) models.emplace(build_settings(args));
  std::vector<Result> results;
  std::vector<Taken> taken;
  for (const TestDir& dir : test_dirs(data, split(args.get("--suites").value_or("node,pytorch-converted")),
                                      args.get("--filter").value_or(""))) {
    Result& result = results.emplace_back(Result{dir.suite, dir.name, Verdict::kPassed, ""});
    try {
      auto prep = check_reference(dir, result, verbose);
      if (prep && models && add_generated(*models, dir, *prep, result))
        taken.push_back({results.size() - 1, dir, std::move(*prep)});
    } catch (const std::exception& e) {
      result.verdict = Verdict::kFailed;
      result.detail = e.what();
    }
  }
  const double reference_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (models) {
    models->build();
    for (const Taken& t : taken) check_generated(t.dir, t.preparation, *models, results[t.result]);
  }
  const std::string checks = models ? "reference interpreter and generated code" : "reference interpreter";
  fmt::print("{}", text_report(results, checks));
  fmt::print("import and reference {:.1f} s{}\n", reference_seconds,
             models ? fmt::format(", generated code built in {:.1f} s", models->build_seconds()) : "");
  if (const auto file = args.get("--markdown")) std::ofstream(*file) << markdown_report(results, checks);
  return count(results).failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const cli::Parsed args = cli::parse({argv + 1, argv + argc}, kOptions);
    return run(args);
  } catch (const cli::UsageError& e) {
    fmt::print(stderr, "onnx_backend_check: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "onnx_backend_check: error: {}\n", e.what());
    return 1;
  }
}
