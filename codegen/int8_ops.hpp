// Exact integer arithmetic of the int8 layers on plain NCHW tensors: the reference the int8
// kernels (runtime/kernels/qconv.hpp) must equal bit for bit, and the conversions between float
// and int8 tensors the generated code's quantize_blocked / dequantize_blocked perform.
#pragma once

#include "codegen/quant_layer.hpp"
#include "dsl/ir/shape.hpp"

namespace rnc {

// The convolution of `in` (u8) with `layer`: per output the int32 sum of the bias and every
// product, then kern::requantize with the layer's multiplier and, when layer.residual, the
// element of `residual` (u8 or s8 per layer.res_signed). The result is u8 when layer.relu, else
// s8, with scale out_scale.
QTensor qconv_reference(const QConvLayer& layer, const QTensor& in, const QTensor* residual, float out_scale);

// q = kern::quantize_value(x, 1.0f / scale, is_signed): the inverse the generated code is given.
QTensor quantize_tensor(const Tensor& t, float scale, bool is_signed);
// x = float(q) * scale.
Tensor dequantize_tensor(const QTensor& q);

}  // namespace rnc
