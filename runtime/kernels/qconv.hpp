// int8 layers (docs/quantization.md): convolutions on u8 activations and s8 weights with int32
// accumulation, and the conversions between float and int8 tensors at the edges of the int8 part
// of a network.
//
// Activations: the blocked layout of common.hpp with one byte per element (u8 after a ReLU, s8
// otherwise; zero point 0), [N][C/L][H + 2*pad][W + 2*pad][L] bytes, zero halo and zero padding
// channels; Blocked::at() gives byte offsets. Pointers arrive as the float* of Args and are
// reinterpreted (the arena and the weights payload are raw storage).
//
// qconv_blocked weights (codegen/pack_int8.cpp), s8: the 4 input channels one `vpdpbusd` lane
// multiplies are adjacent, then the L output channels of a block, then the oc_blocks blocks of a
// register block:
//   [OCB / oc_blocks][ICB][K][K][L / 4 ic groups][oc_blocks][L oc][4 ic]
// Parameters (w1): int32 bias[OCB * L] (in accumulator units), then float mult[OCB * L]
// (s_in * s_w[oc] / s_out), then float res_scale (s_res / s_out), see QConvParamsLayout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "common.hpp"

namespace rnc::kern {

struct QConvCfg {
  Blocked in;   // u8
  Blocked out;  // u8 when relu, else s8
  Blocked res;  // residual operand (used when residual): s8 when res_signed, else u8
  int kernel, stride, padding;
  int ow_block;       // output pixels of a row per register block; divides out.w
  int oh_block = 1;   // output rows per register block; divides out.h
  int oc_blocks = 1;  // output channel blocks per register block; divides out.cb()
  bool residual = false, relu = false, res_signed = false;
};

// Where the parts of a qconv_blocked parameter tensor (w1) start, in 4-byte words.
struct QConvParamsLayout {
  std::int64_t channels;  // output channels rounded up to whole blocks
  constexpr std::int64_t bias() const { return 0; }
  constexpr std::int64_t mult() const { return channels; }
  constexpr std::int64_t res_scale() const { return 2 * channels; }
  constexpr std::int64_t words() const { return 2 * channels + kLineFloats; }
};

// The requantization of one output, the single definition the kernels and the integer reference
// (codegen/int8_reference.cpp) share: y = acc * mult (+ res * res_scale, one fused multiply-add),
// clamped to the output type (u8 when relu, else s8; NaN -> the lower bound), rounded to nearest
// even. Every step is one IEEE operation in this order, so vector code reproduces it bit for bit.
inline std::int32_t requantize(std::int32_t acc, float mult, bool relu, bool residual = false, std::int32_t res = 0,
                               float res_scale = 0.0f) {
  float y = static_cast<float>(acc) * mult;
  if (residual) y = std::fma(static_cast<float>(res), res_scale, y);
  const float lo = relu ? 0.0f : -128.0f, hi = relu ? 255.0f : 127.0f;
  y = y > lo ? y : lo;
  y = y < hi ? y : hi;
  return static_cast<std::int32_t>(std::nearbyint(y));
}

// float -> int8: q = round(clamp(x * inv_scale)), to s8 or u8; the same clamp and rounding as requantize.
inline std::int32_t quantize_value(float x, float inv_scale, bool is_signed) {
  float y = x * inv_scale;
  const float lo = is_signed ? -128.0f : 0.0f, hi = is_signed ? 127.0f : 255.0f;
  y = y > lo ? y : lo;
  y = y < hi ? y : hi;
  return static_cast<std::int32_t>(std::nearbyint(y));
}

// Conversions between a float blocked tensor and an int8 blocked one (same logical shape):
// quantize_blocked (in float, out int8; w0[0] = 1 / scale) and dequantize_blocked (in int8, out
// float; w0[0] = scale, x = q * scale). is_signed: s8, else u8.
struct QuantCfg {
  Blocked in, out;
  bool is_signed = false;
};

}  // namespace rnc::kern
