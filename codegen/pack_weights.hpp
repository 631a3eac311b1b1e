// Weight layouts the kernels read, produced once at codegen time so run() never reorders
// weights. Blocks hold `lanes` channels (16: NCHW16c, 8: NCHW8c; VectorIsa::lanes); padding lanes
// (channels rounded up to a multiple of `lanes`) are zero.
//
// The plan (codegen/lower.cpp) decides every packed tensor without reading a weight: a PackRecipe
// says which weights it takes and how, and packed_floats() its size. pack_weights() runs the
// recipes once the weights are known.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "codegen/quantize.hpp"
#include "dsl/ir/shape.hpp"
#include "dsl/weights.hpp"

namespace rnc {

struct Program;

// Convolution weights [OC][IC / groups][K][K] (`shape`) for conv_blocked, or conv_nchw_in when
// `nchw_in`; the `groups` real groups are packed as `kernel_groups` groups (expand_groups).
struct PackConv {
  std::string weight;
  Shape shape;
  int oc_blocks = 1, lanes = 16;
  bool nchw_in = false;
  std::int64_t groups = 1, kernel_groups = 1;
};
// Convolution weights [OC][IC][3][3] transformed for conv3x3_winograd.
struct PackWinograd {
  std::string weight;
  Shape shape;
  int lanes = 16;
  int m = 4;  // output tile: 4 for F(4x4, 3x3), 2 for F(2x2, 3x3)
};
// A per-channel vector padded to whole blocks: a bias, or zeros when `values` is empty.
struct PackChannels {
  std::string values;
  std::int64_t channels = 0;
  int lanes = 16;
};
// An unfolded batchnorm as a per-channel scale (gamma / sqrt(var + eps)) or shift
// (beta - mean * scale), padded to whole blocks; `prefix` names its four tensors.
struct PackBatchnorm {
  std::string prefix;
  double eps = 0;
  bool shift = false;
  std::int64_t channels = 0;
  int lanes = 16;
};
// A tensor as it is (a linear's weights and bias), or `floats` zeros when `tensor` is empty.
struct PackCopy {
  std::string tensor;
  std::int64_t floats = 0;
};
// An int8 convolution's weights quantized with the calibrated scales, for qconv_blocked.
struct PackQConv {
  QConvRecipe conv;
  int oc_blocks = 1, lanes = 16;
};
// The same quantized weights transformed for the int8 Winograd kernel (qconv3x3_winograd), int16.
struct PackQWinograd {
  QConvRecipe conv;
  int oc_blocks = 1, lanes = 16;
};
// Its bias and requantization multipliers (kern::QConvParamsLayout), for either kernel.
struct PackQConvParams {
  QConvRecipe conv;
  int lanes = 16;
};
// A value's scale (or its inverse, for quantizing) in the first float of a cache line.
struct PackScale {
  ValueId value = -1;
  bool inverse = false;
};
using PackRecipe = std::variant<PackConv, PackWinograd, PackChannels, PackBatchnorm, PackCopy, PackQConv, PackQWinograd,
                                PackQConvParams, PackScale>;

// Floats of the packed tensor, from shapes alone.
std::int64_t packed_floats(const PackRecipe& recipe);

// What the recipes read: weights whose batchnorms are folded (Program::folds) and, for int8
// programs, the calibrated scales.
struct PackSource {
  const WeightMap& folded;
  const ActivationScales* scales = nullptr;
};
std::vector<float> pack_tensor(const PackRecipe& recipe, const PackSource& source);
// Every tensor of the plan, in order: folds the batchnorms of `weights`, then runs each recipe.
std::vector<std::vector<float>> pack_weights(const Program& program, const WeightMap& weights,
                                             const ActivationScales* scales = nullptr);

// The oc_blocks output blocks (L = lanes channels each) a register block computes together are
// interleaved, so one reduction step reads oc_blocks x L adjacent floats (oc_blocks must divide
// OC/L; with 1 these are the plain [OC/L]...[L oc] layouts).
// [OC][IC][K][K] -> [OC/L/oc_blocks][IC/L][K][K][L ic][oc_blocks][L oc] (conv_blocked).
std::vector<float> pack_conv_blocked(const Tensor& weight, int oc_blocks, int lanes);
// [OC][IC][K][K] -> [OC/L/oc_blocks][IC][K][K][oc_blocks][L oc] (conv_nchw_in, few input channels).
std::vector<float> pack_conv_nchw_in(const Tensor& weight, int oc_blocks, int lanes);
// Grouped weights [OC][IC / groups][K][K] as the weights of `kernel_groups` wider groups (a divisor
// of `groups`): [OC][IC / kernel_groups][K][K], each real group's weights in its place on the
// diagonal and zeros elsewhere. kernel_groups = groups returns the weights as they are.
Tensor expand_groups(const Tensor& weight, std::int64_t groups, std::int64_t kernel_groups);
// Per-channel vector padded to a multiple of L; zeros when `values` is null.
std::vector<float> pack_channels(const Tensor* values, std::int64_t channels, int lanes);

}  // namespace rnc
