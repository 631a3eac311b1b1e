// Weight layouts the kernels read, produced once at codegen time so run() never reorders
// weights. Padding lanes (channels rounded up to 16) are zero.
#pragma once

#include <vector>

#include "dsl/shape.hpp"

namespace rnc {

// The oc_blocks 16-channel output blocks a register block computes together are interleaved, so
// one reduction step reads oc_blocks x 16 adjacent floats (oc_blocks must divide OC/16; with 1
// these are the plain [OC/16]...[16 oc] layouts).
// [OC][IC][K][K] -> [OC/16/oc_blocks][IC/16][K][K][16 ic][oc_blocks][16 oc] (conv_blocked).
std::vector<float> pack_conv_blocked(const Tensor& weight, int oc_blocks = 1);
// [OC][IC][K][K] -> [OC/16/oc_blocks][IC][K][K][oc_blocks][16 oc] (conv_nchw_in, few input channels).
std::vector<float> pack_conv_nchw_in(const Tensor& weight, int oc_blocks = 1);
// Per-channel vector padded to a multiple of 16; zeros when `values` is null.
std::vector<float> pack_channels(const Tensor* values, std::int64_t channels);

}  // namespace rnc
