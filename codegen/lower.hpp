// Lowering: chooses every value's layout and storage, one kernel (with its constexpr
// configuration) per node, packs the weights each kernel reads and plans the arena.
#pragma once

#include <string>

#include "codegen/model.hpp"
#include "codegen/program.hpp"

namespace rnc {

struct LowerOptions {
  bool exact = false;  // direct convolution only (no Winograd): ~1e-6 instead of ~1e-5 error
  VectorIsa isa;       // what the layer code runs on: lanes (the blocked layout) and registers
};

// The one place that maps a code generation target to its vector unit: avx512 and native (built
// with -march=native, AVX-512 on the machines resnetc is tuned for) 16 lanes in 32 zmm registers,
// avx2 8 lanes in 16 ymm registers. generic keeps 16 lanes (the portable kernels vectorize them
// with whatever the compiler's default instruction set has). Unknown targets get the default.
VectorIsa vector_isa(const std::string& target);

// `model` must have gone through fold_batchnorm and fuse_epilogues (or not: every node kind
// lowers on its own). Throws CompileError for an arena plan that fails validation.
Program lower(const Model& model, const LowerOptions& options = {});

}  // namespace rnc
