// One zmm register of 16 floats (one NCHW16c channel block), as the vector type V of the
// register-blocked kernels (conv_simd.hpp, winograd.hpp). Needs AVX-512F.
#pragma once

#include <immintrin.h>

namespace rnc::kern {

struct Zmm {
  using Reg = __m512;
  static constexpr int kLanes = 16;
  [[gnu::always_inline]] static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  [[gnu::always_inline]] static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  [[gnu::always_inline]] static Reg set1(float x) { return _mm512_set1_ps(x); }
  [[gnu::always_inline]] static Reg zero() { return _mm512_setzero_ps(); }
  [[gnu::always_inline]] static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }  // a * b + c
  [[gnu::always_inline]] static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  [[gnu::always_inline]] static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  [[gnu::always_inline]] static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  // a > b ? a : b (b when either is NaN)
  [[gnu::always_inline]] static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  // v > 0 ? v : 0 (0 for NaN)
  [[gnu::always_inline]] static Reg relu(Reg v) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, zero(), _CMP_GT_OQ), v);
  }
};

}  // namespace rnc::kern
