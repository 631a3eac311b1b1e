// Direct convolution kernels (portable C++ written so compilers vectorize the 16 output-channel
// lanes): blocked input -> blocked output, and plain NCHW input (the stem: few input channels)
// -> blocked output. Epilogue (bias, residual add, ReLU) is applied while the block of results
// is still in registers.
#pragma once

#include "common.hpp"

namespace rnc::kern {

struct ConvCfg {
  Blocked in;     // for conv_nchw_in: in.c channels of a plain NCHW tensor with halo in.pad
  Blocked out;
  Blocked res;    // residual operand geometry (used when residual)
  int kernel, stride, padding;
  int ow_block;   // output pixels per register block; divides out.w
  int oc_blocks;  // 16-channel output blocks per register block; divides out.cb()
  bool residual, relu;
};

// Runs `body(acc)` epilogue and store for one register block.
template <ConvCfg C>
inline void conv_epilogue(float (&acc)[C.ow_block][kLanes], const Args& a, int i, int ob, int oy, int ox0) {
  float* dst = a.out + C.out.at(i, ob, oy, ox0);
  const float* res = C.residual ? a.in1 + C.res.at(i, ob, oy, ox0) : nullptr;
  for (int j = 0; j < C.ow_block; ++j)
    for (int l = 0; l < kLanes; ++l) {
      float v = acc[j][l];
      if constexpr (C.residual) v += res[j * kLanes + l];
      if constexpr (C.relu) v = v > 0.0f ? v : 0.0f;
      dst[j * kLanes + l] = v;
    }
}

// Weights: [OCB][ICB][K][K][16 ic][16 oc]; bias: [OCB * 16].
template <ConvCfg C>
void conv_blocked(const Args& a, int part, int parts) {
  static_assert(C.out.w % C.ow_block == 0, "ow_block must divide the output width");
  static_assert(C.in.pad >= C.padding, "input halo must cover the convolution padding");
  constexpr int icb = C.in.cb(), ocb = C.out.cb(), K = C.kernel, S = C.stride;
  const Range rows = split(C.out.n * ocb * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int oy = r % C.out.h, ob = (r / C.out.h) % ocb, i = r / (C.out.h * ocb);
    zero_halo_row<C.out>(a.out, i, ob, oy);
    for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
      float acc[C.ow_block][kLanes];
      for (int j = 0; j < C.ow_block; ++j)
        for (int l = 0; l < kLanes; ++l) acc[j][l] = a.w1[ob * kLanes + l];
      for (int ib = 0; ib < icb; ++ib)
        for (int kh = 0; kh < K; ++kh) {
          const float* src = a.in0 + C.in.at(i, ib, oy * S - C.padding + kh, ox0 * S - C.padding);
          const float* wk = a.w0 + (((static_cast<std::int64_t>(ob) * icb + ib) * K + kh) * K) * kLanes * kLanes;
          for (int kw = 0; kw < K; ++kw)
            for (int c = 0; c < kLanes; ++c) {
              const float* wv = wk + (kw * kLanes + c) * kLanes;
              for (int j = 0; j < C.ow_block; ++j) {
                const float x = src[(j * S + kw) * kLanes + c];
                for (int l = 0; l < kLanes; ++l) acc[j][l] += x * wv[l];
              }
            }
        }
      conv_epilogue<C>(acc, a, i, ob, oy, ox0);
    }
  }
}

// Input: plain NCHW with a zero halo of in.pad (staged from the model input).
// Weights: [OCB][IC][K][K][16 oc]; bias: [OCB * 16].
template <ConvCfg C>
void conv_nchw_in(const Args& a, int part, int parts) {
  static_assert(C.out.w % C.ow_block == 0, "ow_block must divide the output width");
  constexpr int ocb = C.out.cb(), K = C.kernel, S = C.stride, ic = C.in.c;
  constexpr int hp = C.in.hp(), wp = C.in.wp();
  const Range rows = split(C.out.n * ocb * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int oy = r % C.out.h, ob = (r / C.out.h) % ocb, i = r / (C.out.h * ocb);
    zero_halo_row<C.out>(a.out, i, ob, oy);
    for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
      float acc[C.ow_block][kLanes];
      for (int j = 0; j < C.ow_block; ++j)
        for (int l = 0; l < kLanes; ++l) acc[j][l] = a.w1[ob * kLanes + l];
      for (int c = 0; c < ic; ++c)
        for (int kh = 0; kh < K; ++kh) {
          const int y = oy * S - C.padding + kh + C.in.pad;
          const float* src = a.in0 + ((static_cast<std::int64_t>(i) * ic + c) * hp + y) * wp + ox0 * S - C.padding + C.in.pad;
          const float* wk = a.w0 + ((static_cast<std::int64_t>(ob) * ic + c) * K + kh) * K * kLanes;
          for (int kw = 0; kw < K; ++kw)
            for (int j = 0; j < C.ow_block; ++j) {
              const float x = src[j * S + kw];
              for (int l = 0; l < kLanes; ++l) acc[j][l] += x * wk[kw * kLanes + l];
            }
        }
      conv_epilogue<C>(acc, a, i, ob, oy, ox0);
    }
  }
}

}  // namespace rnc::kern
