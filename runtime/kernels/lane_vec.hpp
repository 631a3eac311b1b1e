// Vectors of L float lanes, one channel block of the NCHW<L>c layout, for the kernels that work
// a block at a time (Winograd transforms, pooling): one register when the build's vector unit
// holds exactly one block (RegVec over Zmm or Ymm), else an array the compiler vectorizes
// (ArrayVec). Spelled out because GCC turns loops over a block's lanes inside a pixel loop into
// scalar code (maxpool at -O3: 16 vmaxss per tap, 5.5x slower than one vmaxps).
#pragma once

#include <type_traits>

#if defined(__AVX512F__)
#include "vec_avx512.hpp"
#endif
#if defined(__AVX2__) && defined(__FMA__)
#include "vec_avx2.hpp"
#endif

namespace rnc::kern {

template <class V>
struct RegVec {
  typename V::Reg v;
  [[gnu::always_inline]] static RegVec load(const float* p) { return {V::load(p)}; }
  [[gnu::always_inline]] static RegVec fill(float x) { return {V::set1(x)}; }
  [[gnu::always_inline]] friend void store(float* p, RegVec a) { V::store(p, a.v); }
  [[gnu::always_inline]] friend RegVec operator+(RegVec a, RegVec b) { return {V::add(a.v, b.v)}; }
  [[gnu::always_inline]] friend RegVec operator-(RegVec a, RegVec b) { return {V::sub(a.v, b.v)}; }
  [[gnu::always_inline]] friend RegVec operator*(RegVec a, float s) { return {V::mul(a.v, V::set1(s))}; }
  // a * s + b
  [[gnu::always_inline]] friend RegVec fma(RegVec a, float s, RegVec b) { return {V::fmadd(a.v, V::set1(s), b.v)}; }
  [[gnu::always_inline]] friend RegVec relu(RegVec a) { return {V::relu(a.v)}; }
  // a < b ? b : a per lane (a NaN b keeps a)
  [[gnu::always_inline]] friend RegVec max(RegVec a, RegVec b) { return {V::max(b.v, a.v)}; }
};

template <int L>
struct ArrayVec {
  float v[L];
  [[gnu::always_inline]] static ArrayVec load(const float* p) {
    ArrayVec r;
    for (int l = 0; l < L; ++l) r.v[l] = p[l];
    return r;
  }
  [[gnu::always_inline]] static ArrayVec fill(float x) {
    ArrayVec r;
    for (int l = 0; l < L; ++l) r.v[l] = x;
    return r;
  }
  [[gnu::always_inline]] friend void store(float* p, ArrayVec a) {
    for (int l = 0; l < L; ++l) p[l] = a.v[l];
  }
  [[gnu::always_inline]] friend ArrayVec operator+(ArrayVec a, ArrayVec b) {
    for (int l = 0; l < L; ++l) a.v[l] += b.v[l];
    return a;
  }
  [[gnu::always_inline]] friend ArrayVec operator-(ArrayVec a, ArrayVec b) {
    for (int l = 0; l < L; ++l) a.v[l] -= b.v[l];
    return a;
  }
  [[gnu::always_inline]] friend ArrayVec operator*(ArrayVec a, float s) {
    for (int l = 0; l < L; ++l) a.v[l] *= s;
    return a;
  }
  // a * s + b
  [[gnu::always_inline]] friend ArrayVec fma(ArrayVec a, float s, ArrayVec b) {
    for (int l = 0; l < L; ++l) b.v[l] += a.v[l] * s;
    return b;
  }
  [[gnu::always_inline]] friend ArrayVec relu(ArrayVec a) {
    for (int l = 0; l < L; ++l) a.v[l] = a.v[l] > 0.0f ? a.v[l] : 0.0f;
    return a;
  }
  [[gnu::always_inline]] friend ArrayVec max(ArrayVec a, ArrayVec b) {
    for (int l = 0; l < L; ++l) a.v[l] = a.v[l] < b.v[l] ? b.v[l] : a.v[l];
    return a;
  }
};

// The register type of L lanes (Zmm, Ymm), or void when the build has none.
template <int L>
struct Register {
  using type = void;
};
#if defined(__AVX512F__)
template <>
struct Register<16> {
  using type = Zmm;
};
#endif
#if defined(__AVX2__) && defined(__FMA__)
template <>
struct Register<8> {
  using type = Ymm;
};
#endif
template <int L>
using Vec =
    std::conditional_t<std::is_void_v<typename Register<L>::type>, ArrayVec<L>, RegVec<typename Register<L>::type>>;

}  // namespace rnc::kern
