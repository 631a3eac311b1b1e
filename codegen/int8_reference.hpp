// The integer reference of an int8 model: the model's int8 convolutions in exact integer
// arithmetic (codegen/int8_ops.hpp, the requantization the kernels share) and its float nodes with
// the reference interpreter, converting between the two exactly where the generated code does
// (kern::quantize_value, q * scale). What `resnetc run --precision int8` prints and what the
// generated int8 code is tested against.
#pragma once

#include "codegen/quantize.hpp"
#include "dsl/reference.hpp"

namespace rnc {

// `folded`: the weights with their batchnorms folded (fold_batchnorm_weights). `observe` sees each
// node's output, dequantized for int8 nodes.
Tensor run_int8_reference(const Model& model, const WeightMap& folded, const ActivationScales& scales,
                          const Tensor& input, const NodeObserver& observe = {});

}  // namespace rnc
