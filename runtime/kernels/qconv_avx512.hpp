// AVX-512 int8 convolution: the register-blocked counterpart of qconv_blocked_generic (qconv.hpp)
// on zmm registers, one 16-channel block per register, and the vector row converters of
// quantize_blocked / dequantize_blocked.
//
// A register tile holds oh_block x ow_block output pixels x oc_blocks channel blocks, one int32
// accumulator register each, started at the bias. One reduction step covers 4 input channels of
// one kernel tap: it loads the oc_blocks weight registers (64 bytes each: 16 output channels x 4
// input channels, adjacent in the packed weights), broadcasts the 4 input bytes of every pixel of
// the tile as one int32 and issues pixels x oc_blocks `vpdpbusd` (u8 x s8, 4 products per int32
// lane). Steps run over the 4 groups of an input block innermost, then kernel columns, kernel
// rows and input blocks; every size is a constant of the layer. The epilogue requantizes the tile
// in registers with the operations of requantize(), in its order, and stores 16 bytes per
// register. With AVX-512 VNNI (__AVX512VNNI__) the step is `vpdpbusd`; without, an exact
// emulation with AVX-512BW (two `vpmaddwd` on 16-bit halves; `vpmaddubsw` would saturate).
//
// Included by qconv.hpp when compiling with AVX-512 F and BW; a test may include it directly
// inside a `#pragma GCC target` region (with avx512vnni for VnniDot).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "conv_simd.hpp"
#include "qconv.hpp"

// GCC 12 warns of the self-initialized _mm512_undefined_* inside the intrinsics this file inlines
// (GCC bug 105593); the warnings are false.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace rnc::kern {

// The 4-byte dot product of a step, D::dot(acc, x, w) = acc + sum over the 4 bytes of each int32
// lane of u8 x[b] * s8 w[b] (wrapping like vpdpbusd): on registers D::input(broadcast) and
// D::weights(load), prepared once per broadcast and per weight load.
#if defined(__AVX512VNNI__)
struct VnniDot {
  using X = __m512i;
  using W = __m512i;
  [[gnu::always_inline]] static X input(__m512i x) { return x; }
  [[gnu::always_inline]] static W weights(__m512i w) { return w; }
  [[gnu::always_inline]] static __m512i dot(__m512i acc, X x, W w) { return _mm512_dpbusd_epi32(acc, x, w); }
};
#endif

// Bytes 0 and 2 (even) and 1 and 3 (odd) of each int32 lane widened to 16 bits: the products of
// one half are at most 255 * 128 in magnitude, so `vpmaddwd` adds pairs of them exactly.
struct EmulatedDot {
  struct Halves {
    __m512i even, odd;
  };
  using X = Halves;
  using W = Halves;
  [[gnu::always_inline]] static X input(__m512i x) {  // zero-extended u8
    return {_mm512_and_si512(x, _mm512_set1_epi16(0x00ff)), _mm512_srli_epi16(x, 8)};
  }
  [[gnu::always_inline]] static W weights(__m512i w) {  // sign-extended s8
    return {_mm512_srai_epi16(_mm512_slli_epi16(w, 8), 8), _mm512_srai_epi16(w, 8)};
  }
  [[gnu::always_inline]] static __m512i dot(__m512i acc, X x, W w) {
    return _mm512_add_epi32(acc, _mm512_add_epi32(_mm512_madd_epi16(x.even, w.even), _mm512_madd_epi16(x.odd, w.odd)));
  }
};

#if defined(__AVX512VNNI__)
using QDot = VnniDot;
#else
using QDot = EmulatedDot;
#endif

namespace qsimd {

// Accumulators of one register tile: [pixel (row-major over oh_block x ow_block)][oc block].
template <QConvCfg C>
using Tile = __m512i[C.oh_block * C.ow_block][C.oc_blocks];

// Byte offset of tile pixel p of channel block k in a blocked tensor of geometry T.
template <QConvCfg C, Blocked T>
constexpr std::int64_t tile_offset(int p, int k) {
  return simd::tile_offset<kQConvShape<C>, T>(p, k);
}

// The same pointer, hidden from the optimizer (see simd::opaque: inputs of different taps are
// often the same memory, and the compiler would keep them in scalar registers instead of
// broadcasting from memory).
[[gnu::always_inline]] inline const std::uint8_t* opaque(const std::uint8_t* p) {
  asm("" : "+r"(p));
  return p;
}

// The 4 bytes at p in every int32 lane (memcpy: p has no int32 alignment nor type).
[[gnu::always_inline]] inline __m512i broadcast4(const std::uint8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, sizeof v);
  return _mm512_set1_epi32(v);
}

// One reduction step: acc[p][k] = D::dot(acc[p][k], x(p), w[k]) for all pixels p and output
// blocks k of the tile, x(p) the 4 bytes at x + row * kRowStride + col * kColStride.
template <class D, QConvCfg C, std::int64_t kRowStride, std::int64_t kColStride>
[[gnu::always_inline]] inline void dot_step(Tile<C>& acc, const std::uint8_t* x, const std::int8_t* w) {
  typename D::W wv[C.oc_blocks];
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k) wv[k] = D::weights(_mm512_loadu_si512(w + k * 64));
#pragma GCC unroll 32
  for (int p = 0; p < C.oh_block * C.ow_block; ++p) {
    const typename D::X xb = D::input(broadcast4(x + p / C.ow_block * kRowStride + p % C.ow_block * kColStride));
#pragma GCC unroll 32
    for (int k = 0; k < C.oc_blocks; ++k) acc[p][k] = D::dot(acc[p][k], xb, wv[k]);
  }
}

// requantize() on 16 lanes: acc * mult (+ res * res_scale, fused), max(y, lo) then min(y, hi)
// (the operand order of `y > lo ? y : lo`: NaN gives lo), rounded to nearest even (MXCSR default).
template <QConvCfg C>
[[gnu::always_inline]] inline __m128i requantize16(__m512i acc, __m512 mult, const std::uint8_t* res,
                                                   __m512 res_scale) {
  __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult);
  if constexpr (C.residual) {
    const __m128i r8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(res));
    const __m512i r = C.res_signed ? _mm512_cvtepi8_epi32(r8) : _mm512_cvtepu8_epi32(r8);
    y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(r), res_scale, y);
  }
  y = _mm512_max_ps(y, _mm512_set1_ps(C.relu ? 0.0f : -128.0f));
  y = _mm512_min_ps(y, _mm512_set1_ps(C.relu ? 255.0f : 127.0f));
  return _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(y));  // in range: truncation keeps the value
}

template <QConvCfg C>
[[gnu::always_inline]] inline void store_tile(Tile<C>& acc, const Args& a, int i, int ob0, int oy0, int ox0) {
  std::uint8_t* dst = u8_ptr(a.out) + C.out.at(i, ob0, oy0, ox0);
  const std::uint8_t* res = C.residual ? u8_ptr(a.in1) + C.res.at(i, ob0, oy0, ox0) : nullptr;
  const __m512 res_scale = _mm512_set1_ps(C.residual ? a.w1[kQParams<C>.res_scale()] : 0.0f);
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k) {
    const __m512 mult = _mm512_loadu_ps(a.w1 + kQParams<C>.mult() + (ob0 + k) * 16);
#pragma GCC unroll 32
    for (int p = 0; p < C.oh_block * C.ow_block; ++p) {
      const __m128i q =
          requantize16<C>(acc[p][k], mult, res + (C.residual ? tile_offset<C, C.res>(p, k) : 0), res_scale);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + tile_offset<C, C.out>(p, k)), q);
    }
  }
}

// Bytes of the weights of one group of oc_blocks output blocks (every input block and tap).
template <QConvCfg C>
inline constexpr std::int64_t kQGroupBytes = static_cast<std::int64_t>(C.in.cb()) * C.kernel* C.kernel* kQTapBytes<C>;

// Each work item (a row group of one group of output blocks) prefetches its share of the next
// group's weights, which follow the current group's, spread over its taps: the first row group
// of a group then finds its weights in the caches instead of waiting for memory, where a layer's
// weights are inside a network. With cold caches (bench_qconv, BENCH_COLD=1) 3x3 7x7 87 -> 93%
// of peak, 1x1 7x7 60-82 -> 72-89%; with warm caches no change.
template <QConvCfg C>
inline constexpr std::int64_t kQPrefetchLines = (kQGroupBytes<C> / 64 + C.out.h / C.oh_block - 1) /
                                                (C.out.h / C.oh_block);  // per work item
template <QConvCfg C>
inline constexpr int kQPrefetchPerTap =
    static_cast<int>((kQPrefetchLines<C> + (C.out.w / C.ow_block) * C.in.cb() * C.kernel * C.kernel - 1) /
                     ((C.out.w / C.ow_block) * C.in.cb() * C.kernel * C.kernel));

template <class D, QConvCfg C>
void qconv_blocked(const Args& a, int part, int parts) {
  check_qconv<C>();
  static_assert(kQLanes<C> == 16, "one channel block per register");
  constexpr int icb = C.in.cb(), K = C.kernel, S = C.stride, L = 16;
  constexpr std::int64_t kRowStride = static_cast<std::int64_t>(S) * C.in.wp() * L;
  const std::uint8_t* in = u8_ptr(a.in0);
  const std::int8_t* weights = s8_ptr(a.w0);
  for_each_conv_item<kQConvShape<C>>(u8_ptr(a.out), part, parts, [&](int i, int ob0, int oy0) {
    // An integer: past the last group the addresses leave the tensor (prefetches do not fault).
    std::uintptr_t prefetch = reinterpret_cast<std::uintptr_t>(weights) + (ob0 / C.oc_blocks + 1) * kQGroupBytes<C> +
                              oy0 / C.oh_block * kQPrefetchLines<C> * 64;
    for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
      Tile<C> acc;
#pragma GCC unroll 32
      for (int k = 0; k < C.oc_blocks; ++k) {
        const __m512i bias = _mm512_loadu_si512(a.w1 + kQParams<C>.bias() + (ob0 + k) * L);
#pragma GCC unroll 32
        for (int p = 0; p < C.oh_block * C.ow_block; ++p) acc[p][k] = bias;
      }
      for (int ib = 0; ib < icb; ++ib)
        for (int kh = 0; kh < K; ++kh) {
          const std::uint8_t* x = in + C.in.at(i, ib, oy0 * S - C.padding + kh, ox0 * S - C.padding);
          const std::int8_t* w = weights + qconv_weight_offset<C>(ob0, ib, kh, 0);
          for (int kw = 0; kw < K; ++kw) {
            for (int l = 0; l < kQPrefetchPerTap<C>; ++l, prefetch += 64)
              _mm_prefetch(reinterpret_cast<const char*>(prefetch), _MM_HINT_T0);
            const std::uint8_t* xk = opaque(x + kw * L);
#pragma GCC unroll 4
            for (int g = 0; g < L / 4; ++g)
              dot_step<D, C, kRowStride, S * L>(acc, xk + 4 * g, w + kw * kQTapBytes<C> + g * kQStepBytes<C>);
          }
        }
      store_tile<C>(acc, a, i, ob0, oy0, ox0);
    }
  });
}

}  // namespace qsimd

template <QConvCfg C>
void qconv_blocked_avx512(const Args& a, int part, int parts) {
  qsimd::qconv_blocked<QDot, C>(a, part, parts);
}

// quantize_blocked / dequantize_blocked rows, 16 elements per register, the scalar tail by ScalarRows.
struct ZmmRows {
  static void quantize(const float* src, std::uint8_t* dst, int n, float inv_scale, bool is_signed) {
    const __m512 inv = _mm512_set1_ps(inv_scale), lo = _mm512_set1_ps(is_signed ? -128.0f : 0.0f),
                 hi = _mm512_set1_ps(is_signed ? 127.0f : 255.0f);
    int k = 0;
    for (; k + 16 <= n; k += 16) {
      __m512 y = _mm512_mul_ps(_mm512_loadu_ps(src + k), inv);
      y = _mm512_min_ps(_mm512_max_ps(y, lo), hi);  // operand order as in quantize_value
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + k), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(y)));
    }
    ScalarRows::quantize(src + k, dst + k, n - k, inv_scale, is_signed);
  }
  static void dequantize(const std::uint8_t* src, float* dst, int n, float scale, bool is_signed) {
    const __m512 s = _mm512_set1_ps(scale);
    int k = 0;
    for (; k + 16 <= n; k += 16) {
      const __m128i q8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k));
      const __m512i q = is_signed ? _mm512_cvtepi8_epi32(q8) : _mm512_cvtepu8_epi32(q8);
      _mm512_storeu_ps(dst + k, _mm512_mul_ps(_mm512_cvtepi32_ps(q), s));
    }
    ScalarRows::dequantize(src + k, dst + k, n - k, scale, is_signed);
  }
};

}  // namespace rnc::kern

#pragma GCC diagnostic pop
