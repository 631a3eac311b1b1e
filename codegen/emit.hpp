// Turns a lowered Program into the files of a standalone CMake project (see docs/codegen.md):
//   NAME.hpp  NAME_layers.hpp  NAME_<stage>.cpp...  NAME_model.cpp  NAME_main.cpp  CMakeLists.txt
// The runtime sources and the weights blob are added by the driver (codegen/compile.cpp).
#pragma once

#include <map>
#include <string>

#include "codegen/program.hpp"
#include "codegen/target.hpp"

namespace rnc {

struct EmitOptions {
  std::string version;     // resnetc version, in the first line of every file
  std::string model_hash;  // binds code and blob
  TargetChoice target;     // the layer code's instruction set and compiler flags
  bool embed_weights = false;
};

// File name -> contents. Deterministic: the same program and options give the same bytes.
std::map<std::string, std::string> emit_sources(const Program& program, const EmitOptions& options);

}  // namespace rnc
