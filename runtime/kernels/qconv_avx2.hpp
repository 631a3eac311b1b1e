// AVX2 int8 convolution: the register-blocked kernel of qconv_simd.hpp on ymm registers, one
// 8-channel block (NCHW8c) per register (QYmm), and the vector row converters of
// quantize_blocked / dequantize_blocked. The step is `vpdpbusd` on ymm where the compiler targets
// AVX-VNNI (__AVXVNNI__, VEX) or AVX-512 VNNI with VL (EVEX), else `vpmaddubsw` + `vpmaddwd` +
// `vpaddd` (MaddubsDot: exact because the avx2 target's weights have 7 bits; both give the same
// sums).
//
// Registers: 16 ymm. A tile of A accumulators and B output blocks needs with MaddubsDot A + B
// (weights) + 1 (broadcast input) + 1 (the product) + 1 (the ones of vpmaddwd); with vpdpbusd A +
// B + 1 (codegen/qconv_blocking.cpp sizes the tiles for MaddubsDot, which also fits vpdpbusd).
//
// Included by qconv.hpp when compiling with AVX2 and FMA; a test may include it directly inside a
// `#pragma GCC target` region.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "qconv.hpp"

namespace rnc::kern {

// 8 int32 lanes (one NCHW8c channel block), the vector type V of qconv_simd.hpp.
struct QYmm {
  using I = __m256i;
  using F = __m256;
  static constexpr int kLanes = 8;
  [[gnu::always_inline]] static I load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  [[gnu::always_inline]] static I broadcast4(const std::uint8_t* p) {  // memcpy: p has no int32 alignment nor type
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
  }
  [[gnu::always_inline]] static I maddubs(I x, I w) { return _mm256_maddubs_epi16(x, w); }
  [[gnu::always_inline]] static I madd16(I a, I b) { return _mm256_madd_epi16(a, b); }
  [[gnu::always_inline]] static I ones16() { return _mm256_set1_epi16(1); }
  [[gnu::always_inline]] static I add32(I a, I b) { return _mm256_add_epi32(a, b); }
#if defined(__AVXVNNI__)
#define RNC_QYMM_VNNI 1
  [[gnu::always_inline]] static I dpbusd(I acc, I x, I w) { return _mm256_dpbusd_avx_epi32(acc, x, w); }
#elif defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define RNC_QYMM_VNNI 1
  [[gnu::always_inline]] static I dpbusd(I acc, I x, I w) { return _mm256_dpbusd_epi32(acc, x, w); }
#endif
  [[gnu::always_inline]] static F loadf(const float* p) { return _mm256_loadu_ps(p); }
  [[gnu::always_inline]] static void storef(float* p, F v) { _mm256_storeu_ps(p, v); }
  [[gnu::always_inline]] static F set1f(float x) { return _mm256_set1_ps(x); }
  [[gnu::always_inline]] static F to_float(I v) { return _mm256_cvtepi32_ps(v); }
  [[gnu::always_inline]] static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  [[gnu::always_inline]] static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  [[gnu::always_inline]] static F max(F a, F b) { return _mm256_max_ps(a, b); }
  [[gnu::always_inline]] static F min(F a, F b) { return _mm256_min_ps(a, b); }
  [[gnu::always_inline]] static I round(F v) { return _mm256_cvtps_epi32(v); }
  [[gnu::always_inline]] static I widen(const std::uint8_t* p, bool is_signed) {
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return is_signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
  }
  // Values in [-128, 127] (is_signed) or [0, 255]: the saturating packs keep them.
  [[gnu::always_inline]] static void narrow(std::uint8_t* p, I v, bool is_signed) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w));
  }
};

}  // namespace rnc::kern

#define RNC_QSIMD_NS qymm
#include "qconv_simd.hpp"
#undef RNC_QSIMD_NS

namespace rnc::kern {

using YmmMaddubsDot = qymm::MaddubsDot<QYmm>;
#if defined(RNC_QYMM_VNNI)
using YmmVnniDot = qymm::VnniDot<QYmm>;
using YmmDot = YmmVnniDot;
#else
using YmmDot = YmmMaddubsDot;
#endif

template <QConvCfg C>
void qconv_blocked_avx2(const Args& a, int part, int parts) {
  qymm::qconv_blocked<YmmDot, C>(a, part, parts);
}

struct YmmRows : qymm::Rows<QYmm> {};

}  // namespace rnc::kern
