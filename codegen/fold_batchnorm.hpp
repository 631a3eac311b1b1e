#pragma once
#include "codegen/model.hpp"

namespace rnc {

// Folds each inference-mode BatchNorm into the convolution that feeds it (when the convolution's
// output has no other reader): w' = w * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps),
// computed in double. The convolution gains a bias; the BatchNorm node disappears. BatchNorms
// that cannot be folded stay and run as a per-channel scale and shift.
// The graph part: the folded convolution gains a bias and model.folds records the fold.
Model fold_batchnorm(Model model);

// The weight part, applied before packing: each fold rewrites its convolution's tensors and
// drops the batchnorm's.
WeightMap fold_batchnorm_weights(const std::vector<BatchnormFold>& folds, WeightMap weights);

}  // namespace rnc
