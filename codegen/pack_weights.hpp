// Weight layouts the kernels read, produced once at codegen time so run() never reorders
// weights. Padding lanes (channels rounded up to 16) are zero.
#pragma once

#include <vector>

#include "dsl/shape.hpp"

namespace rnc {

// [OC][IC][K][K] -> [OC/16][IC/16][K][K][16 ic][16 oc] (conv_blocked).
std::vector<float> pack_conv_blocked(const Tensor& weight);
// [OC][IC][K][K] -> [OC/16][IC][K][K][16 oc] (conv_nchw_in, few input channels).
std::vector<float> pack_conv_nchw_in(const Tensor& weight);
// Per-channel vector padded to a multiple of 16; zeros when `values` is null.
std::vector<float> pack_channels(const Tensor* values, std::int64_t channels);

}  // namespace rnc
