// AVX-512 int8 convolution: the register-blocked kernel of qconv_simd.hpp on zmm registers, one
// 16-channel block per register (QZmm), and the vector row converters of quantize_blocked /
// dequantize_blocked. With AVX-512 VNNI (__AVX512VNNI__) the step is `vpdpbusd`; without,
// AVX-512BW `vpmaddubsw` + `vpmaddwd` + `vpaddd` (MaddubsDot: exact because the avx512 target's
// weights have 7 bits).
//
// Included by qconv.hpp when compiling with AVX-512 F and BW; a test may include it directly
// inside a `#pragma GCC target` region. Such regions do not define the ISA macros (GCC 12), so a
// region that enables avx512vnni says so with RNC_TARGET_REGION_AVX512VNNI, for ZmmVnniDot.
#pragma once

#if defined(__AVX512VNNI__) || defined(RNC_TARGET_REGION_AVX512VNNI)
#define RNC_QZMM_VNNI 1
#endif

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "qconv.hpp"

// GCC 12 warns of the self-initialized _mm512_undefined_* inside the intrinsics this file inlines
// (GCC bug 105593); the warnings are false.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace rnc::kern {

// 16 int32 lanes (one NCHW16c channel block), the vector type V of qconv_simd.hpp.
struct QZmm {
  using I = __m512i;
  using F = __m512;
  static constexpr int kLanes = 16;
  [[gnu::always_inline]] static I load(const void* p) { return _mm512_loadu_si512(p); }
  [[gnu::always_inline]] static I broadcast4(const std::uint8_t* p) {  // memcpy: p has no int32 alignment nor type
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
  }
  [[gnu::always_inline]] static I maddubs(I x, I w) { return _mm512_maddubs_epi16(x, w); }
  [[gnu::always_inline]] static I madd16(I a, I b) { return _mm512_madd_epi16(a, b); }
  [[gnu::always_inline]] static I ones16() { return _mm512_set1_epi16(1); }
  [[gnu::always_inline]] static I add32(I a, I b) { return _mm512_add_epi32(a, b); }
#if defined(RNC_QZMM_VNNI)
  [[gnu::always_inline]] static I dpbusd(I acc, I x, I w) { return _mm512_dpbusd_epi32(acc, x, w); }
#endif
  [[gnu::always_inline]] static F loadf(const float* p) { return _mm512_loadu_ps(p); }
  [[gnu::always_inline]] static void storef(float* p, F v) { _mm512_storeu_ps(p, v); }
  [[gnu::always_inline]] static F set1f(float x) { return _mm512_set1_ps(x); }
  [[gnu::always_inline]] static F to_float(I v) { return _mm512_cvtepi32_ps(v); }
  [[gnu::always_inline]] static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  [[gnu::always_inline]] static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  [[gnu::always_inline]] static F max(F a, F b) { return _mm512_max_ps(a, b); }
  [[gnu::always_inline]] static F min(F a, F b) { return _mm512_min_ps(a, b); }
  [[gnu::always_inline]] static I round(F v) { return _mm512_cvtps_epi32(v); }
  [[gnu::always_inline]] static I widen(const std::uint8_t* p, bool is_signed) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return is_signed ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
  }
  [[gnu::always_inline]] static void narrow(std::uint8_t* p, I v, bool /*is_signed*/) {  // truncation keeps the value
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v));
  }
};

}  // namespace rnc::kern

#define RNC_QSIMD_NS qzmm
#include "qconv_simd.hpp"
#undef RNC_QSIMD_NS

namespace rnc::kern {

using ZmmMaddubsDot = qzmm::MaddubsDot<QZmm>;
#if defined(RNC_QZMM_VNNI)
using ZmmVnniDot = qzmm::VnniDot<QZmm>;
using ZmmDot = ZmmVnniDot;
#else
using ZmmDot = ZmmMaddubsDot;
#endif

template <QConvCfg C>
void qconv_blocked_avx512(const Args& a, int part, int parts) {
  qzmm::qconv_blocked<ZmmDot, C>(a, part, parts);
}

struct ZmmRows : qzmm::Rows<QZmm> {};

}  // namespace rnc::kern

#pragma GCC diagnostic pop
