// Weight layouts the kernels read, produced once at codegen time so run() never reorders
// weights. Blocks hold `lanes` channels (16: NCHW16c, 8: NCHW8c; VectorIsa::lanes); padding lanes
// (channels rounded up to a multiple of `lanes`) are zero.
#pragma once

#include <vector>

#include "dsl/ir/shape.hpp"

namespace rnc {

// The oc_blocks output blocks (L = lanes channels each) a register block computes together are
// interleaved, so one reduction step reads oc_blocks x L adjacent floats (oc_blocks must divide
// OC/L; with 1 these are the plain [OC/L]...[L oc] layouts).
// [OC][IC][K][K] -> [OC/L/oc_blocks][IC/L][K][K][L ic][oc_blocks][L oc] (conv_blocked).
std::vector<float> pack_conv_blocked(const Tensor& weight, int oc_blocks, int lanes);
// [OC][IC][K][K] -> [OC/L/oc_blocks][IC][K][K][oc_blocks][L oc] (conv_nchw_in, few input channels).
std::vector<float> pack_conv_nchw_in(const Tensor& weight, int oc_blocks, int lanes);
// Per-channel vector padded to a multiple of L; zeros when `values` is null.
std::vector<float> pack_channels(const Tensor* values, std::int64_t channels, int lanes);

}  // namespace rnc
