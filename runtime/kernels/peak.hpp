// Measures this core's floating-point (and int8) peak with the instruction set the layer code was
// built for, so --profile can print each layer's share of what the machine can do.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#if defined(__AVX512F__)
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

// Int8 GOP/s of one thread (2 ops per u8 x s8 multiply-add), best of 3, with the instruction the
// int8 kernel of this build multiplies with: independent chains of `vpdpbusd` with AVX-512 VNNI
// (64 multiply-adds per zmm instruction), of `vpmaddwd` + `vpaddd` with AVX-512BW alone (32 per
// pair: the kernel's exact emulation of vpdpbusd needs two pairs per 64), else of int32
// multiply-adds that the compiler vectorizes (what the portable kernel's inner loop does).
inline double measure_peak_int8_gops() {
  // 16, not 24 as for the FMA: vpdpbusd overwrites its accumulator, and GCC spills 20 or more
  // chains to the stack every iteration (-27% at 20).
#if defined(__AVX512F__) && defined(__AVX512BW__)
  constexpr int kChains = 16;
#else
  constexpr int kChains = 12;
#endif
  constexpr int kIterations = 200000;
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    const auto start = std::chrono::steady_clock::now();
    std::uint32_t sink = 0;
#if defined(__AVX512F__) && defined(__AVX512BW__)
    __m512i acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(c);
    const __m512i x = _mm512_set1_epi32(0x01020304), w = _mm512_set1_epi32(0x05fa07f9);
#if defined(__AVX512VNNI__)
    const auto step = [&]<std::size_t... C>(std::index_sequence<C...>) {
      ((acc[C] = _mm512_dpbusd_epi32(acc[C], x, w)), ...);
    };
    constexpr double ops = 2.0 * 64;  // per step of a chain
#else
    (void)x;
    // The product depends on the chain, or the compiler would hoist it.
    const auto step = [&]<std::size_t... C>(std::index_sequence<C...>) {
      ((acc[C] = _mm512_add_epi32(acc[C], _mm512_madd_epi16(acc[C], w))), ...);
    };
    constexpr double ops = 2.0 * 32;
#endif
    for (int i = 0; i < kIterations; ++i) step(std::make_index_sequence<kChains>{});
    alignas(64) std::int32_t lanes_out[16];
    for (int c = 0; c < kChains; ++c) {
      _mm512_store_si512(lanes_out, acc[c]);
      for (std::int32_t v : lanes_out) sink += static_cast<std::uint32_t>(v);
    }
#else
    // Wrapping unsigned arithmetic: the chains may overflow.
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
