// Elementwise layers that could not be fused into a convolution: residual add, ReLU and
// stand-alone BatchNorm (a per-channel scale and shift), on blocked or flat tensors.
#pragma once

#include "common.hpp"

namespace rnc::kern {

enum class Ewise { kRelu, kAdd, kAddRelu, kAffine, kAffineRelu };

struct EwiseCfg {
  Blocked a, b, out;  // b is used by kAdd*; scale/shift come from w0/w1 (kAffine*)
  Ewise op;
};

template <EwiseCfg C>
inline float ewise_apply(float x, float y, float scale, float shift) {
  float v = x;
  if constexpr (C.op == Ewise::kAdd || C.op == Ewise::kAddRelu) v = x + y;
  if constexpr (C.op == Ewise::kAffine || C.op == Ewise::kAffineRelu) v = x * scale + shift;
  if constexpr (C.op == Ewise::kRelu || C.op == Ewise::kAddRelu || C.op == Ewise::kAffineRelu) v = v > 0.0f ? v : 0.0f;
  return v;
}

template <EwiseCfg C>
void ewise_blocked(const Args& a, int part, int parts) {
  constexpr bool binary = C.op == Ewise::kAdd || C.op == Ewise::kAddRelu;
  constexpr bool affine = C.op == Ewise::kAffine || C.op == Ewise::kAffineRelu;
  constexpr int L = C.out.lanes;
  static_assert(C.a.lanes == L && (!binary || C.b.lanes == L), "operands share the output's channel blocking");
  const Range rows = split(C.out.n * C.out.cb() * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int y = r % C.out.h, b = (r / C.out.h) % C.out.cb(), i = r / (C.out.h * C.out.cb());
    zero_halo_row<C.out>(a.out, i, b, y);
    const float* x = a.in0 + C.a.at(i, b, y, 0);
    const float* z = binary ? a.in1 + C.b.at(i, b, y, 0) : nullptr;
    float* dst = a.out + C.out.at(i, b, y, 0);
    for (int p = 0; p < C.out.w; ++p)
      for (int l = 0; l < L; ++l) {
        const int k = p * L + l;
        dst[k] = ewise_apply<C>(x[k], binary ? z[k] : 0.0f, affine ? a.w0[b * L + l] : 0.0f,
                                affine ? a.w1[b * L + l] : 0.0f);
      }
  }
}

struct FlatCfg {
  int n, features;
  Ewise op;
};

// Flat [N, F] tensors (after flatten); affine ops do not apply there.
template <FlatCfg C>
void ewise_flat(const Args& a, int part, int parts) {
  constexpr EwiseCfg E{{}, {}, {}, C.op};
  const Range rows = split(C.n, part, parts);
  for (int i = rows.begin; i < rows.end; ++i)
    for (int f = 0; f < C.features; ++f) {
      const int k = i * C.features + f;
      a.out[k] = ewise_apply<E>(a.in0[k], a.in1 ? a.in1[k] : 0.0f, 0.0f, 0.0f);
    }
}

}  // namespace rnc::kern
