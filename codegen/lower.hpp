// Lowering, the weight-free plan: chooses every value's layout and storage, one kernel (with its
// constexpr configuration) per node and how to pack the weights each kernel reads (recipes and
// sizes; codegen/pack_weights.hpp packs them), and plans the arena and the blob.
#pragma once

#include <string>

#include "codegen/model.hpp"
#include "codegen/program.hpp"
#include "codegen/target.hpp"

namespace rnc {

struct LowerOptions {
  bool exact = false;  // direct convolution only (no Winograd): ~1e-6 instead of ~1e-5 error
  VectorIsa isa;       // what the layer code runs on (Target::vector_isa, codegen/target.hpp)
  // How its int8 kernels multiply (Target::int8_dot): the int8 Winograd kernel needs kVnni.
  Int8Dot int8_dot = Int8Dot::kPortable;
};

// `model` must have gone through fold_batchnorm and fuse_epilogues (or not: every node kind
// lowers on its own). Throws CompileError for an arena plan that fails validation.
Program lower(const Model& model, const LowerOptions& options = {});

}  // namespace rnc
