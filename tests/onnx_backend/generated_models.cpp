#include "tests/onnx_backend/generated_models.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "codegen/compile.hpp"
#include "codegen/project_writer.hpp"
#include "dsl/diagnostics.hpp"
#include "npy.hpp"
#include "tests/support/generated_program.hpp"

namespace rnc::backend {
namespace {

namespace fs = std::filesystem;

// Runs a shell command with its output in `log`; returns its exit status.
int run_logged(const std::string& command, const std::string& log) {
  return std::system(fmt::format("{} > '{}' 2>&1", command, log).c_str());
}

std::string cache_option(const std::string& name, const std::string& value) {
  return value.empty() ? "" : fmt::format(" '-D{}={}'", name, value);
}

}  // namespace

GeneratedModels::GeneratedModels(BuildSettings settings) : settings_(std::move(settings)) {
  // Projects of an earlier run (maybe of tests resnetc now refuses) go; the build tree stays, so
  // a rerun configures incrementally.
  fs::remove_all(models_dir());
  fs::remove_all(settings_.work_dir + "/inputs");
  fs::create_directories(models_dir());
  fs::create_directories(settings_.work_dir + "/inputs");
}

std::string GeneratedModels::add(const std::string& name, const ImportedCase& imported) {
  Graph graph = imported.graph;
  graph.name = name;
  try {
    const CompiledProject project = compile_project(graph, imported.weights, CompileOptions{});
    write_project(project, models_dir() + "/" + name, {.force = true});
  } catch (const CompileError& e) {
    return e.what();
  }
  const Tensor& input = imported.data.input;
  rt::write_npy(input_path(name), input.data.data(), input.shape);
  names_.push_back(name);
  return "";
}

void GeneratedModels::write_superproject() const {
  std::ofstream out(settings_.work_dir + "/CMakeLists.txt");
  out << "# Written by onnx_backend_check: every generated model of the ONNX backend tests in one build.\n"
         "cmake_minimum_required(VERSION 3.16)\nproject(onnx_backend_models LANGUAGES CXX)\n"
         "add_custom_target(programs ALL)\n";
  // EXCLUDE_FROM_ALL: only the programs (and what they link) are built, not the C interfaces.
  for (const std::string& name : names_)
    out << fmt::format("add_subdirectory(models/{0} EXCLUDE_FROM_ALL)\nadd_dependencies(programs {0})\n", name);
}

void GeneratedModels::build() {
  const auto start = std::chrono::steady_clock::now();
  write_superproject();
  const std::string log = settings_.work_dir + "/build.log";
  // A test model has one or two layer files, and parsing the kernel headers is most of its build:
  // no precompiled header (it costs more than it saves) and one unity source per library (the
  // headers parsed once). Measured per model: 4.2 s of CPU with the generated defaults, 2.4 s so.
  const std::string configure = fmt::format(
      "cmake -S '{}' -B '{}' -G 'Unix Makefiles' -DCMAKE_BUILD_TYPE=Release "
      "-DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DCMAKE_UNITY_BUILD=ON{}{}{}{}",
      settings_.work_dir, build_dir(), cache_option("CMAKE_CXX_COMPILER", settings_.cxx_compiler),
      cache_option("CMAKE_CXX_FLAGS", settings_.cxx_flags),
      cache_option("RESNETC_RUNTIME_LIBRARY", settings_.runtime_library),
      cache_option("RESNETC_LAYER_OPTIMIZATION", settings_.layer_optimization));
  if (run_logged(configure, log) != 0)
    throw test::TestFailure(fmt::format("configuring the generated models failed: see {}", log));
  // -k: a model whose code does not compile fails alone (its program is missing) instead of
  // stopping the others. A clean MAKEFLAGS: ctest or make may run us inside their own jobserver.
  run_logged(
      fmt::format("env -u MAKEFLAGS -u MFLAGS cmake --build '{}' --parallel {} -- -k", build_dir(), settings_.jobs),
      settings_.work_dir + "/build_models.log");
  build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Tensor GeneratedModels::run(const std::string& name) const {
  const std::string program = fmt::format("{}/models/{}/{}", build_dir(), name, name);
  if (!fs::exists(program))
    throw test::TestFailure(
        fmt::format("the generated code does not build (see {}/build_models.log)", settings_.work_dir));
  const test::ScratchDir scratch("onnx_backend_" + name);
  try {
    return test::run_generated_program(program, input_path(name), 1, scratch);
  } catch (const test::TestFailure& e) {
    // The message holds the whole command line; the table needs only the status (the log is on stderr).
    const std::string what = e.what();
    throw test::TestFailure("the program " + what.substr(std::min(what.rfind("exited with"), what.size())));
  }
}

}  // namespace rnc::backend
