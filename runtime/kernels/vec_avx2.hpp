// One ymm register of 8 floats (one NCHW8c channel block), as the vector type V of the
// register-blocked kernels (conv_simd.hpp, winograd.hpp). Needs AVX2 and FMA.
#pragma once

#include <immintrin.h>

namespace rnc::kern {

struct Ymm {
  using Reg = __m256;
  static constexpr int kLanes = 8;
  [[gnu::always_inline]] static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  [[gnu::always_inline]] static void store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  [[gnu::always_inline]] static Reg set1(float x) { return _mm256_set1_ps(x); }
  [[gnu::always_inline]] static Reg zero() { return _mm256_setzero_ps(); }
  [[gnu::always_inline]] static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }  // a * b + c
  [[gnu::always_inline]] static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  [[gnu::always_inline]] static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  [[gnu::always_inline]] static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  // a > b ? a : b (b when either is NaN)
  [[gnu::always_inline]] static Reg max(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  // v > 0 ? v : 0 (max returns its second operand, 0, when v is NaN)
  [[gnu::always_inline]] static Reg relu(Reg v) { return _mm256_max_ps(v, zero()); }
};

}  // namespace rnc::kern
