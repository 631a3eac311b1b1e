// The backend tests through generated code: every model resnetc takes is compiled in process into
// its own generated project, all of them are built at once by one CMake superproject (one
// configure, one parallel make), and each program is run the way a user runs it (--input .npy).
#pragma once

#include <string>
#include <vector>

#include "dsl/ir/shape.hpp"
#include "tests/onnx_backend/backend_case.hpp"

namespace rnc::backend {

struct BuildSettings {
  std::string work_dir;            // projects, inputs, the superproject and its build tree
  std::string runtime_library;     // resnetc's resnetc_runtime, shared by every model ("": each builds its own)
  std::string cxx_compiler;        // "" for CMake's default
  std::string cxx_flags;           // the build's CMAKE_CXX_FLAGS (sanitizers)
  std::string layer_optimization;  // "" for the generated projects' -O3
  int jobs = 2;
};

class GeneratedModels {
 public:
  explicit GeneratedModels(BuildSettings settings);

  // Compiles `imported` into a project named `name` and writes its input; returns the compile
  // error, empty on success.
  std::string add(const std::string& name, const ImportedCase& imported);
  // Builds every added project; a model whose code does not build has no program (run() says so).
  void build();
  // The program's output on its input; throws test::TestFailure when it cannot run.
  Tensor run(const std::string& name) const;
  // Seconds spent configuring and building.
  double build_seconds() const { return build_seconds_; }

 private:
  std::string models_dir() const { return settings_.work_dir + "/models"; }
  std::string build_dir() const { return settings_.work_dir + "/build"; }
  std::string input_path(const std::string& name) const { return settings_.work_dir + "/inputs/" + name + ".npy"; }
  void write_superproject() const;

  BuildSettings settings_;
  std::vector<std::string> names_;
  double build_seconds_ = 0;
};

}  // namespace rnc::backend
