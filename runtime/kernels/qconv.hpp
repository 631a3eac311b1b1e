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
#include <cstring>

#include "common.hpp"
#include "conv_direct.hpp"

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
// (codegen/int8_ops.cpp) share: y = acc * mult (+ res * res_scale, one fused multiply-add),
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

// --- kernels -------------------------------------------------------------------------------------
//
// qconv_blocked computes what the integer reference (codegen/int8_ops.cpp) computes: per output
// the int32 sum of bias and u8 x s8 products (exact in any order; int32 holds every sum of up to
// 65793 products of 8-bit values, far more than a ResNet reduction), then requantize(). Two
// implementations, chosen at compile time like conv_blocked's: the register-blocked kernel of
// qconv_simd.hpp, on zmm (qconv_avx512.hpp: 16 lanes, `vpdpbusd` with AVX-512 VNNI, else
// `vpmaddubsw` on the 7-bit weights of the avx512 target) or on ymm (qconv_avx2.hpp: 8 lanes,
// `vpdpbusd` with AVX-VNNI, else `vpmaddubsw` on 7-bit weights), and the portable kernel below
// (any lanes that are a multiple of 4). They share the weight layout, the work split of
// for_each_conv_item (conv_direct.hpp) and the output halo zeroing.

namespace rnc::kern {

// Args carries every tensor as float* (the arena and the weights payload are raw storage): int8
// tensors are read and written through byte pointers, which may alias anything, and int32 words
// (the bias) through memcpy or vector loads.
inline const std::uint8_t* u8_ptr(const float* p) { return reinterpret_cast<const std::uint8_t*>(p); }
inline std::uint8_t* u8_ptr(float* p) { return reinterpret_cast<std::uint8_t*>(p); }
inline const std::int8_t* s8_ptr(const float* p) { return reinterpret_cast<const std::int8_t*>(p); }

// Channels per block of the layer (input, output and residual share them).
template <QConvCfg C>
inline constexpr int kQLanes = C.out.lanes;

// The float convolution of the same shape and blocking: for_each_conv_item splits the work of
// both the same way (whole reductions, no ic_chunk passes: the int8 output cannot hold partial sums).
template <QConvCfg C>
inline constexpr ConvCfg kQConvShape = ConvCfg{.in = C.in,
                                               .out = C.out,
                                               .res = C.res,
                                               .kernel = C.kernel,
                                               .stride = C.stride,
                                               .padding = C.padding,
                                               .ow_block = C.ow_block,
                                               .oh_block = C.oh_block,
                                               .oc_blocks = C.oc_blocks,
                                               .ic_chunk = 0,
                                               .residual = C.residual,
                                               .relu = C.relu};

// Packed weights in bytes: one reduction step (4 input channels of one tap, the oc_blocks x L
// output channels of a register block) and one (input block, kh, kw).
template <QConvCfg C>
inline constexpr std::int64_t kQStepBytes = 4 * C.oc_blocks* kQLanes<C>;
template <QConvCfg C>
inline constexpr std::int64_t kQTapBytes = kQLanes<C> / 4 * kQStepBytes<C>;

// Byte offset of the weights of tap (kh, kw) of input block ib for the group starting at block ob0.
template <QConvCfg C>
constexpr std::int64_t qconv_weight_offset(int ob0, int ib, int kh, int kw) {
  return (((static_cast<std::int64_t>(ob0 / C.oc_blocks) * C.in.cb() + ib) * C.kernel + kh) * C.kernel + kw) *
         kQTapBytes<C>;
}

template <QConvCfg C>
inline constexpr QConvParamsLayout kQParams{static_cast<std::int64_t>(C.out.cb()) * kQLanes<C>};

template <QConvCfg C>
constexpr void check_qconv() {
  static_assert(C.in.pad >= C.padding, "input halo must cover the convolution padding");
  static_assert(C.in.lanes == C.out.lanes, "input and output share the channel blocking");
  static_assert(kQLanes<C> % 4 == 0, "lanes hold whole groups of 4 input channels");
}

// --- portable kernel -----------------------------------------------------------------------------

template <QConvCfg C>
using QRowAcc = std::int32_t[C.ow_block][kQLanes<C>];

// Requantization and store of one row of ow_block pixels of output block ob.
template <QConvCfg C>
inline void qconv_epilogue(const QRowAcc<C>& acc, const Args& a, int i, int ob, int oy, int ox0) {
  constexpr int L = kQLanes<C>;
  std::uint8_t* dst = u8_ptr(a.out) + C.out.at(i, ob, oy, ox0);
  const std::uint8_t* res = C.residual ? u8_ptr(a.in1) + C.res.at(i, ob, oy, ox0) : nullptr;
  const float* mult = a.w1 + kQParams<C>.mult() + ob * L;
  const float res_scale = C.residual ? a.w1[kQParams<C>.res_scale()] : 0.0f;
  for (int j = 0; j < C.ow_block; ++j)
    for (int l = 0; l < L; ++l) {
      std::int32_t r = 0;
      if constexpr (C.residual) r = C.res_signed ? static_cast<std::int8_t>(res[j * L + l]) : res[j * L + l];
      dst[j * L + l] = static_cast<std::uint8_t>(requantize(acc[j][l], mult[l], C.relu, C.residual, r, res_scale));
    }
}

// One row of ow_block pixels of one output block at a time (the SIMD kernels compute tiles).
template <QConvCfg C>
void qconv_blocked_generic(const Args& a, int part, int parts) {
  check_qconv<C>();
  constexpr int icb = C.in.cb(), K = C.kernel, S = C.stride, L = kQLanes<C>;
  const std::uint8_t* in = u8_ptr(a.in0);
  const std::int8_t* weights = s8_ptr(a.w0);
  for_each_conv_item<kQConvShape<C>>(u8_ptr(a.out), part, parts, [&](int i, int ob0, int oy0) {
    for (int ob = ob0; ob < ob0 + C.oc_blocks; ++ob)
      for (int oy = oy0; oy < oy0 + C.oh_block; ++oy)
        for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
          QRowAcc<C> acc;
          for (int j = 0; j < C.ow_block; ++j) std::memcpy(acc[j], a.w1 + kQParams<C>.bias() + ob * L, sizeof acc[j]);
          for (int ib = 0; ib < icb; ++ib)
            for (int kh = 0; kh < K; ++kh) {
              const std::uint8_t* src = in + C.in.at(i, ib, oy * S - C.padding + kh, ox0 * S - C.padding);
              const std::int8_t* wk = weights + qconv_weight_offset<C>(ob0, ib, kh, 0) + (ob - ob0) * 4 * L;
              for (int kw = 0; kw < K; ++kw)
                for (int g = 0; g < L / 4; ++g) {
                  // The step's [L oc][4 ic] weights as [4 ic][L oc]: unit stride in the lanes, which vectorizes.
                  const std::int8_t* wv = wk + kw * kQTapBytes<C> + g * kQStepBytes<C>;
                  std::int32_t wt[4][L];
                  for (int q = 0; q < 4; ++q)
                    for (int l = 0; l < L; ++l) wt[q][l] = wv[4 * l + q];
                  for (int j = 0; j < C.ow_block; ++j)
                    for (int q = 0; q < 4; ++q) {
                      const std::int32_t x = src[(j * S + kw) * L + 4 * g + q];
                      for (int l = 0; l < L; ++l) acc[j][l] += x * wt[q][l];
                    }
                }
            }
          qconv_epilogue<C>(acc, a, i, ob, oy, ox0);
        }
  });
}

// --- float <-> int8 conversions ------------------------------------------------------------------

// The rows of a conversion, (image, block, row) items split evenly over the parts: zeroes the
// output halo of the row and calls row(input offset, output offset) for its w x lanes
// contiguous interior elements.
template <QuantCfg C, class E, class Row>
inline void for_each_quant_row(E* out, int part, int parts, Row&& row) {
  constexpr Blocked I = C.in, O = C.out;
  static_assert(I.n == O.n && I.c == O.c && I.h == O.h && I.w == O.w && I.lanes == O.lanes, "same logical shape");
  const Range rows = split(O.n * O.cb() * O.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int y = r % O.h, b = (r / O.h) % O.cb(), i = r / (O.h * O.cb());
    zero_halo_row<O>(out, i, b, y);
    row(I.at(i, b, y, 0), O.at(i, b, y, 0));
  }
}

// Row converters: the scalar definitions (also the tails of the vector ones in qconv_simd.hpp).
struct ScalarRows {
  static void quantize(const float* src, std::uint8_t* dst, int n, float inv_scale, bool is_signed) {
    for (int k = 0; k < n; ++k) dst[k] = static_cast<std::uint8_t>(quantize_value(src[k], inv_scale, is_signed));
  }
  static void dequantize(const std::uint8_t* src, float* dst, int n, float scale, bool is_signed) {
    for (int k = 0; k < n; ++k)
      dst[k] = static_cast<float>(is_signed ? static_cast<std::int8_t>(src[k]) : src[k]) * scale;
  }
};

template <class Rows, QuantCfg C>
void quantize_blocked_with(const Args& a, int part, int parts) {
  const float inv_scale = a.w0[0];
  std::uint8_t* out = u8_ptr(a.out);
  for_each_quant_row<C>(out, part, parts, [&](std::int64_t src, std::int64_t dst) {
    Rows::quantize(a.in0 + src, out + dst, C.in.w * C.in.lanes, inv_scale, C.is_signed);
  });
}

template <class Rows, QuantCfg C>
void dequantize_blocked_with(const Args& a, int part, int parts) {
  const float scale = a.w0[0];
  for_each_quant_row<C>(a.out, part, parts, [&](std::int64_t src, std::int64_t dst) {
    Rows::dequantize(u8_ptr(a.in0) + src, a.out + dst, C.in.w * C.in.lanes, scale, C.is_signed);
  });
}

}  // namespace rnc::kern

// --- dispatch ------------------------------------------------------------------------------------

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include "qconv_avx512.hpp"
#endif
#if defined(__AVX2__) && defined(__FMA__)
#include "qconv_avx2.hpp"
#endif

namespace rnc::kern {

#if defined(__AVX512F__) && defined(__AVX512BW__)
inline constexpr bool kQAvx512Kernels = true;
#else
inline constexpr bool kQAvx512Kernels = false;
#endif
#if defined(__AVX2__) && defined(__FMA__)
inline constexpr bool kQAvx2Kernels = true;
#else
inline constexpr bool kQAvx2Kernels = false;
#endif

// Declared for the discarded branches below when this build has no such kernels.
struct ZmmRows;
struct YmmRows;
template <QConvCfg C>
void qconv_blocked_avx512(const Args& a, int part, int parts);
template <QConvCfg C>
void qconv_blocked_avx2(const Args& a, int part, int parts);

template <QConvCfg C>
void qconv_blocked(const Args& a, int part, int parts) {
  if constexpr (kQAvx512Kernels && kQLanes<C> == 16) qconv_blocked_avx512<C>(a, part, parts);
  else if constexpr (kQAvx2Kernels && kQLanes<C> == 8) qconv_blocked_avx2<C>(a, part, parts);
  else qconv_blocked_generic<C>(a, part, parts);
}

// The row converters work on any lanes (rows are contiguous): the widest vectors of the build.
template <QuantCfg C>
void quantize_blocked(const Args& a, int part, int parts) {
  if constexpr (kQAvx512Kernels) quantize_blocked_with<ZmmRows, C>(a, part, parts);
  else if constexpr (kQAvx2Kernels) quantize_blocked_with<YmmRows, C>(a, part, parts);
  else quantize_blocked_with<ScalarRows, C>(a, part, parts);
}

template <QuantCfg C>
void dequantize_blocked(const Args& a, int part, int parts) {
  if constexpr (kQAvx512Kernels) dequantize_blocked_with<ZmmRows, C>(a, part, parts);
  else if constexpr (kQAvx2Kernels) dequantize_blocked_with<YmmRows, C>(a, part, parts);
  else dequantize_blocked_with<ScalarRows, C>(a, part, parts);
}

}  // namespace rnc::kern
