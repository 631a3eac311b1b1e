// The packed tensors of an int8 convolution (runtime/kernels/qconv.hpp), from its QConvLayer:
// weights for qconv_blocked and its parameters (bias, requantization multipliers). Both are
// stored in the float payload of the weights: the weights as s8 bytes, 4 per float, and the
// parameters as 4-byte words (kern::QConvParamsLayout). Padding channels (output channels rounded
// up to whole blocks, input channels too) get zero weights, bias 0 and multiplier 0.
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/quant_layer.hpp"

namespace rnc {

// Floats of the packed weights of an [oc][ic][k][k] layer with blocks of `lanes` channels:
// round_up(oc) x round_up(ic) x k x k bytes, rounded up to whole floats.
std::int64_t packed_qconv_weight_floats(std::int64_t oc, std::int64_t ic, std::int64_t k, int lanes);
// Floats (4-byte words) of the packed parameters: QConvParamsLayout{round_up(oc)}.words().
std::int64_t packed_qconv_params_floats(std::int64_t oc, int lanes);

// [OC][IC][K][K] s8 -> [OC/L/oc_blocks][IC/L][K][K][L/4][oc_blocks][L oc][4 ic] s8, L = lanes
// (oc_blocks must divide OC/L): the 4 input channels of one `vpdpbusd` lane are adjacent, then the
// L output channels of a block, then the oc_blocks blocks a register block computes together.
std::vector<float> pack_qconv_weights(const QConvLayer& layer, int oc_blocks, int lanes);
// Floats of the int8 Winograd weights (kern::qwinograd_weight_count int16 values, 2 per float).
std::int64_t packed_qwinograd_weight_floats(std::int64_t oc, std::int64_t ic, int lanes);
// A 3x3 layer's s8 weights transformed and packed for qconv3x3_winograd (kern::pack_qwinograd_weights,
// runtime/kernels/qwinograd.hpp), int16 stored in the float payload.
std::vector<float> pack_qwinograd_weights(const QConvLayer& layer, int oc_blocks, int lanes);
// int32 bias[OC], float mult[OC], float res_scale (QConvParamsLayout), OC rounded up to L.
std::vector<float> pack_qconv_params(const QConvLayer& layer, int lanes);

}  // namespace rnc
