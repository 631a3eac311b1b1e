// Measures this core's floating-point (and int8) peak with the instruction set the layer code was
// built for, so --profile can print each layer's share of what the machine can do.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace rnc::kern {

// GFLOP/s of one thread running independent FMA chains (no memory traffic): best of 3 trials.
inline double measure_peak_gflops() {
  // Enough independent chains to cover the FMA latency of two pipes, few enough to stay in
  // registers: 24 of the 32 zmm, 12 of the 16 ymm of AVX2 (24 would spill).
#if defined(__AVX512F__)
  constexpr int kChains = 24;
#else
  constexpr int kChains = 12;
#endif
  constexpr int kIterations = 200000;
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    const auto start = std::chrono::steady_clock::now();
    float sink = 0;
#if defined(__AVX512F__)
    __m512 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(static_cast<float>(c));
    const __m512 m = _mm512_set1_ps(0.999f), a = _mm512_set1_ps(1e-3f);
    // A fold over the chains, so every accumulator stays in its own register.
    const auto step = [&]<std::size_t... C>(std::index_sequence<C...>) {
      ((acc[C] = _mm512_fmadd_ps(acc[C], m, a)), ...);
    };
    for (int i = 0; i < kIterations; ++i) step(std::make_index_sequence<kChains>{});
    alignas(64) float lanes_out[16];
    for (int c = 0; c < kChains; ++c) {
      _mm512_store_ps(lanes_out, acc[c]);
      for (float v : lanes_out) sink += v;
    }
    constexpr double lanes = 16;
#else
    // Portable: the compiler vectorizes the 8-wide rows with whatever the flags allow.
    float acc[kChains][8];
    for (int c = 0; c < kChains; ++c)
      for (int l = 0; l < 8; ++l) acc[c][l] = static_cast<float>(c + l);
    for (int i = 0; i < kIterations; ++i)
      for (int c = 0; c < kChains; ++c)
        for (int l = 0; l < 8; ++l) acc[c][l] = acc[c][l] * 0.999f + 1e-3f;
    for (int c = 0; c < kChains; ++c)
      for (int l = 0; l < 8; ++l) sink += acc[c][l];
    constexpr double lanes = 8;
#endif
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    volatile float keep = sink;  // the chains must not be optimized away
    (void)keep;
    best = std::max(best, 2.0 * lanes * kChains * kIterations / seconds / 1e9);
  }
  return best;
}

// The int8 kernels' multiply step on one register (qconv_avx512.hpp, qconv_avx2.hpp): `vpdpbusd`
// with VNNI, else `vpmaddubsw` + `vpmaddwd` with ones + `vpaddd`; 4 multiply-adds per int32 lane.
#if defined(__AVX512F__) && defined(__AVX512BW__)
struct PeakInt8 {
  using I = __m512i;
  static constexpr int kChains = 16;  // vpdpbusd overwrites its accumulator: GCC spills 20 or more (-27% at 20)
  static I set1(std::int32_t v) { return _mm512_set1_epi32(v); }
  static void store(std::int32_t* p, I v) { _mm512_storeu_si512(p, v); }
#if defined(__AVX512VNNI__)
  static I dot(I acc, I x, I w) { return _mm512_dpbusd_epi32(acc, x, w); }
#else
  static I dot(I acc, I x, I w) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(x, w), _mm512_set1_epi16(1)));
  }
#endif
};
#define RNC_PEAK_INT8_SIMD 1
#elif defined(__AVX2__)
struct PeakInt8 {
  using I = __m256i;
  static constexpr int kChains = 12;  // + x, w, the ones and a product: 16 ymm
  static I set1(std::int32_t v) { return _mm256_set1_epi32(v); }
  static void store(std::int32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
#if defined(__AVXVNNI__)
  static I dot(I acc, I x, I w) { return _mm256_dpbusd_avx_epi32(acc, x, w); }
#else
  static I dot(I acc, I x, I w) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), _mm256_set1_epi16(1)));
  }
#endif
};
#define RNC_PEAK_INT8_SIMD 1
#endif

// Int8 GOP/s of one thread (2 ops per u8 x s8 multiply-add), best of 3, with the instructions the
// int8 kernel of this build multiplies with: independent chains of PeakInt8::dot, else of int32
// multiply-adds that the compiler vectorizes (what the portable kernel's inner loop does).
inline double measure_peak_int8_gops() {
  constexpr int kIterations = 200000;
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    const auto start = std::chrono::steady_clock::now();
    std::uint32_t sink = 0;
#if defined(RNC_PEAK_INT8_SIMD)
    using I = PeakInt8::I;
    constexpr int kChains = PeakInt8::kChains, kLanes = sizeof(I) / 4;
    I acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = PeakInt8::set1(c);
    I x = PeakInt8::set1(0x01020304);
    const I w = PeakInt8::set1(0x05fa07f9);
    // The empty asm makes x new for every product (the compiler would hoist or share products
    // that do not depend on the chain); a fold over the chains keeps each in its own register.
    const auto renew = [](I& v) { asm("" : "+v"(v)); };
    const auto step = [&]<std::size_t... C>(std::index_sequence<C...>) {
      ((renew(x), acc[C] = PeakInt8::dot(acc[C], x, w)), ...);
    };
    for (int i = 0; i < kIterations; ++i) step(std::make_index_sequence<kChains>{});
    for (int c = 0; c < kChains; ++c) {
      std::int32_t lanes_out[kLanes];
      PeakInt8::store(lanes_out, acc[c]);
      for (std::int32_t v : lanes_out) sink += static_cast<std::uint32_t>(v);
    }
    constexpr double ops = 2.0 * 4 * kLanes;  // per step of a chain
#else
    // Wrapping unsigned arithmetic: the chains may overflow.
    constexpr int kChains = 12;
    std::uint32_t acc[kChains][8];
    for (int c = 0; c < kChains; ++c)
      for (int l = 0; l < 8; ++l) acc[c][l] = static_cast<std::uint32_t>(c + l);
    for (int i = 0; i < kIterations; ++i)
      for (int c = 0; c < kChains; ++c)
        for (int l = 0; l < 8; ++l) acc[c][l] = acc[c][l] * 3u + 1u;
    for (int c = 0; c < kChains; ++c)
      for (int l = 0; l < 8; ++l) sink += acc[c][l];
    constexpr double ops = 2.0 * 8;  // per row of a chain
#endif
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    volatile std::uint32_t keep = sink;  // the chains must not be optimized away
    (void)keep;
    best = std::max(best, ops * kChains * kIterations / seconds / 1e9);
  }
  return best;
}

}  // namespace rnc::kern
