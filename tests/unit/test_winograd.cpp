// Unit tests for the Winograd F(4x4, 3x3) and F(2x2, 3x3) kernels (runtime/kernels/winograd.hpp)
// and their codegen side (codegen/winograd.cpp): packed weights + kernel against a naive double-precision
// convolution on random data, for a fixed list of constexpr configurations (partial edge tiles,
// partial tile blocks, batch > 1, padded channels, residual and ReLU on and off, wider halos).
// Each case checks: relative error <= 1e-5 of max|output| (measured 1e-6 .. 5e-6), bit-identical
// outputs for 1, 2 and 3 parts, a zero output halo, that padding channels stay zero, and that
// nothing past the padded input is read (NaNs there). Blocks of 16 lanes (NCHW16c) and of 8
// (NCHW8c, the avx2 target's layout); the kernel runs the code this test is built for.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "codegen/winograd.hpp"
#include "runtime/kernels/winograd.hpp"

namespace {

using rnc::Tensor;
using rnc::kern::Args;
using rnc::kern::Blocked;
using rnc::kern::WinogradCfg;

// One layer's data in plain NCHW plus its blocked copies.
struct Layer {
  Tensor input, weight, bias, residual;  // residual empty when unused
};

Layer random_layer(const WinogradCfg& c, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  Layer l;
  l.input = Tensor({c.in.n, c.in.c, c.in.h, c.in.w});
  l.weight = Tensor({c.out.c, c.in.c, 3, 3});
  l.bias = Tensor({c.out.c});
  const float scale = 1.0f / std::sqrt(9.0f * static_cast<float>(c.in.c));
  for (float& v : l.input.data) v = unit(rng);
  for (float& v : l.weight.data) v = unit(rng) * scale;
  for (float& v : l.bias.data) v = 0.1f * unit(rng);
  if (c.residual) {
    l.residual = Tensor({c.out.n, c.out.c, c.out.h, c.out.w});
    for (float& v : l.residual.data) v = unit(rng);
  }
  return l;
}

// conv3x3/s1/p1 + bias (+ residual) (ReLU) in double, one output row at a time (the inner loop
// along a contiguous input row keeps the seed-sized cases quick in the unoptimized sanitizer build).
std::vector<double> reference(const WinogradCfg& c, const Layer& l) {
  const std::size_t width = static_cast<std::size_t>(c.out.w);
  std::vector<double> out(static_cast<std::size_t>(c.out.n) * c.out.c * c.out.h * width);
  for (int i = 0; i < c.out.n; ++i)
    for (int oc = 0; oc < c.out.c; ++oc)
      for (int y = 0; y < c.out.h; ++y) {
        double* row = out.data() + ((static_cast<std::size_t>(i) * c.out.c + oc) * c.out.h + y) * width;
        std::fill(row, row + width, double(l.bias.data[static_cast<std::size_t>(oc)]));
        for (int ic = 0; ic < c.in.c; ++ic)
          for (int kh = 0; kh < 3; ++kh) {
            const int iy = y + kh - 1;
            if (iy < 0 || iy >= c.in.h) continue;
            const float* in_row = l.input.data.data() + l.input.offset4(i, ic, iy, 0);
            for (int kw = 0; kw < 3; ++kw) {
              const double weight = l.weight.at4(oc, ic, kh, kw);
              const int x_begin = kw == 0 ? 1 : 0,
                        x_end = std::min(c.out.w, c.in.w + 1 - kw);  // 0 <= x + kw - 1 < in.w
              for (int x = x_begin; x < x_end; ++x) row[x] += weight * double(in_row[x + kw - 1]);
            }
          }
        for (int x = 0; x < c.out.w; ++x) {
          if (c.residual) row[x] += l.residual.at4(i, oc, y, x);
          if (c.relu) row[x] = std::max(row[x], 0.0);
        }
      }
  return out;
}

// NCHW -> blocked with a zero halo (and zero padding channels).
std::vector<float> to_blocked(const Tensor& t, const Blocked& b) {
  std::vector<float> out(static_cast<std::size_t>(b.floats()), 0.0f);
  for (int i = 0; i < b.n; ++i)
    for (int c = 0; c < b.c; ++c)
      for (int y = 0; y < b.h; ++y)
        for (int x = 0; x < b.w; ++x)
          out[static_cast<std::size_t>(b.at(i, c / b.lanes, y, x) + c % b.lanes)] = t.at4(i, c, y, x);
  return out;
}

std::vector<float> padded_bias(const Tensor& bias, int channels, int lanes) {
  std::vector<float> out(static_cast<std::size_t>(rnc::kern::blocks(channels, lanes) * lanes), 0.0f);
  std::copy(bias.data.begin(), bias.data.end(), out.begin());
  return out;
}

// Runs the kernel split into `parts` parts (sequentially, each with its own NaN-filled scratch)
// over an output buffer filled with NaN; returns the whole output buffer, halo included.
template <WinogradCfg C, int M>
std::vector<float> run(const std::vector<float>& in, const std::vector<float>& w, const std::vector<float>& bias,
                       const std::vector<float>& res, int parts) {
  constexpr std::int64_t scratch_floats = rnc::kern::winograd_scratch_floats(C, M);
  static_assert(scratch_floats % 16 == 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> out(static_cast<std::size_t>(C.out.floats()), nan);
  // Input followed by NaNs: nothing past the padded tensor may be read.
  std::vector<float> in_guarded(in);
  in_guarded.resize(in.size() + 4096, nan);
  for (int part = 0; part < parts; ++part) {
    std::vector<float> scratch(static_cast<std::size_t>(scratch_floats) + 16, nan);
    float* aligned = scratch.data();
    while (reinterpret_cast<std::uintptr_t>(aligned) % 64 != 0) ++aligned;
    const Args a{.in0 = in_guarded.data(),
                 .in1 = C.residual ? res.data() : nullptr,
                 .w0 = w.data(),
                 .w1 = bias.data(),
                 .out = out.data(),
                 .scratch = aligned};
    if constexpr (M == 2) rnc::kern::conv3x3_winograd_f2<C>(a, part, parts);
    else rnc::kern::conv3x3_winograd<C>(a, part, parts);
  }
  return out;
}

// M: the output tile, 4 (F(4x4, 3x3)) or 2 (F(2x2, 3x3), conv3x3_winograd_f2).
template <WinogradCfg C, int M = 4>
void check(const std::string& name, unsigned seed) {
  CAPTURE(name);
  CAPTURE(M);
  const Layer l = random_layer(C, seed);
  const std::vector<double> want = reference(C, l);
  const std::vector<float> in = to_blocked(l.input, C.in);
  const std::vector<float> res = C.residual ? to_blocked(l.residual, C.res) : std::vector<float>{};
  constexpr int L = C.out.lanes;
  const std::vector<float> w = rnc::pack_winograd_weights(l.weight, L, M);
  REQUIRE(w.size() == static_cast<std::size_t>((M + 2) * (M + 2) * rnc::kern::blocks(C.in.c, L) * L *
                                               rnc::kern::blocks(C.out.c, L) * L));
  const std::vector<float> bias = padded_bias(l.bias, C.out.c, L);

  const std::vector<float> out = run<C, M>(in, w, bias, res, 1);
  double max_ref = 0, max_err = 0;
  std::int64_t worst = -1;
  std::size_t k = 0;
  for (int i = 0; i < C.out.n; ++i)
    for (int c = 0; c < C.out.c; ++c)
      for (int y = 0; y < C.out.h; ++y)
        for (int x = 0; x < C.out.w; ++x, ++k) {
          const float got = out[static_cast<std::size_t>(C.out.at(i, c / L, y, x) + c % L)];
          const double err =
              std::isfinite(got) ? std::fabs(double(got) - want[k]) : std::numeric_limits<double>::infinity();
          max_ref = std::max(max_ref, std::fabs(want[k]));
          if (!(err <= max_err)) max_err = err, worst = static_cast<std::int64_t>(k);
        }
  const double rel = max_err / max_ref;
  CAPTURE(rel);
  CAPTURE(max_ref);
  CAPTURE(worst);
  CHECK(max_ref > 0.1);
  CHECK(rel <= 1e-5);

  // Halo and padding channels: exactly zero.
  std::int64_t nonzero_pad = 0;
  for (int i = 0; i < C.out.n; ++i)
    for (int b = 0; b < C.out.cb(); ++b)
      for (int y = -C.out.pad; y < C.out.h + C.out.pad; ++y)
        for (int x = -C.out.pad; x < C.out.w + C.out.pad; ++x)
          for (int lane = 0; lane < L; ++lane) {
            const bool interior = y >= 0 && y < C.out.h && x >= 0 && x < C.out.w && b * L + lane < C.out.c;
            const float v = out[static_cast<std::size_t>(C.out.at(i, b, y, x) + lane)];
            if (!interior && !(v == 0.0f && !std::signbit(v))) ++nonzero_pad;
          }
  CHECK(nonzero_pad == 0);

  for (int parts : {2, 3}) {
    CAPTURE(parts);
    const std::vector<float> split = run<C, M>(in, w, bias, res, parts);
    CHECK(std::memcmp(split.data(), out.data(), out.size() * sizeof(float)) == 0);
  }
}

struct Geometry {
  int n, in_c, out_c, h, w;
  int in_pad = 1, out_pad = 1, res_pad = 1;
  int lanes = 16;
};

constexpr WinogradCfg cfg(Geometry g, int tile_block, bool residual, bool relu, int oc_group = 0) {
  return {.in = {g.n, g.in_c, g.h, g.w, g.in_pad, g.lanes},
          .out = {g.n, g.out_c, g.h, g.w, g.out_pad, g.lanes},
          .res = {g.n, g.out_c, g.h, g.w, g.res_pad, g.lanes},
          .tile_block = tile_block,
          .residual = residual,
          .relu = relu,
          .oc_group = oc_group};
}

}  // namespace

TEST_CASE("winograd: 7x7, 16 -> 16, one chunk, relu") {
  check<cfg({.n = 1, .in_c = 16, .out_c = 16, .h = 7, .w = 7}, 4, false, true)>("7x7 16->16", 1);
}

TEST_CASE("winograd: 14x14, 24 -> 24 (padding channels), residual + relu, chunks of at most 5 tiles") {
  check<cfg({.n = 1, .in_c = 24, .out_c = 24, .h = 14, .w = 14}, 5, true, true)>("14x14 24->24 add relu", 2);
}

TEST_CASE("winograd: 3x4, one tile (parts without work), 32 -> 16") {
  check<cfg({.n = 1, .in_c = 32, .out_c = 16, .h = 3, .w = 4}, 1, false, true)>("3x4 32->16", 11);
}

TEST_CASE("winograd: 17x23, 16 -> 24, residual without relu, partial edge tiles") {
  check<cfg({.n = 1, .in_c = 16, .out_c = 24, .h = 17, .w = 23}, 7, true, false)>("17x23 16->24 add", 3);
}

TEST_CASE("winograd: batch 3, 9x10, 64 -> 64, no epilogue but bias") {
  check<cfg({.n = 3, .in_c = 64, .out_c = 64, .h = 9, .w = 10}, 6, false, false)>("3x9x10 64->64", 4);
}

TEST_CASE("winograd: batch 2, 14x14, 64 -> 80, output channel groups (panel of 4 + panel of 1)") {
  check<cfg({.n = 2, .in_c = 64, .out_c = 80, .h = 14, .w = 14}, 16, true, true, 4)>("2x14x14 64->80 groups", 5);
}

TEST_CASE("winograd: halos 2 (input), 0 (output), 3 (residual), 12x13, 48 -> 32") {
  check<cfg({.n = 1, .in_c = 48, .out_c = 32, .h = 12, .w = 13, .in_pad = 2, .out_pad = 0, .res_pad = 3}, 9, true,
            true)>("12x13 48->32 halos", 6);
}

// A seed-network layer (batch n, hw x hw, c -> c) with the blocking codegen chooses for output
// tiles of M x M.
template <int N, int HW, int CH, bool RES, int L = 16, int M = 4>
constexpr WinogradCfg seed_layer() {
  constexpr std::int64_t tiles = std::int64_t{N} * ((HW + M - 1) / M) * ((HW + M - 1) / M);
  constexpr int tb = rnc::choose_tile_block(tiles, CH);
  return cfg({.n = N, .in_c = CH, .out_c = CH, .h = HW, .w = HW, .lanes = L}, tb, RES, true,
             rnc::choose_oc_group(tiles, tb, CH, L));
}

TEST_CASE("winograd: seed layers 56x56 64, 28x28 128, 14x14 256, 7x7 512 with the chosen blocking") {
  check<seed_layer<1, 56, 64, true>()>("56x56 64->64", 7);
  check<seed_layer<1, 28, 128, false>()>("28x28 128->128", 8);
  check<seed_layer<1, 14, 256, true>()>("14x14 256->256", 9);
  check<seed_layer<1, 7, 512, false>()>("7x7 512->512", 10);
  check<seed_layer<3, 14, 256, true>()>("3x14x14 256->256", 12);
}

TEST_CASE("winograd 8 lanes: seed layers 56x56 64, 28x28 128, 14x14 256 (output groups) with the chosen blocking") {
  check<seed_layer<1, 56, 64, true, 8>()>("8 lanes 56x56 64->64", 13);
  check<seed_layer<1, 28, 128, false, 8>()>("8 lanes 28x28 128->128", 14);
  check<seed_layer<1, 14, 256, true, 8>()>("8 lanes 14x14 256->256", 15);
}

TEST_CASE("winograd 8 lanes: padding channels, partial panels, edge tiles, halos") {
  check<cfg({.n = 1, .in_c = 20, .out_c = 12, .h = 17, .w = 23, .lanes = 8}, 7, true, true)>("8 lanes 17x23 20->12",
                                                                                             16);
  check<cfg({.n = 2, .in_c = 64, .out_c = 40, .h = 14, .w = 14, .lanes = 8}, 16, true, true, 4)>(
      "8 lanes 2x14x14 64->40 groups", 17);
  check<cfg({.n = 1, .in_c = 48, .out_c = 24, .h = 12, .w = 13, .in_pad = 2, .out_pad = 0, .res_pad = 3, .lanes = 8}, 9,
            true, false)>("8 lanes 12x13 48->24 halos", 18);
}

TEST_CASE("winograd F(2x2): edge tiles, padding channels, residual, halos, batch, output groups") {
  check<cfg({.n = 1, .in_c = 16, .out_c = 16, .h = 7, .w = 7}, 16, false, true), 2>("F2 7x7 16->16", 21);
  check<cfg({.n = 1, .in_c = 24, .out_c = 24, .h = 14, .w = 14}, 5, true, true), 2>("F2 14x14 24->24 add relu", 22);
  check<cfg({.n = 1, .in_c = 32, .out_c = 16, .h = 1, .w = 2}, 1, false, true), 2>("F2 1x2 32->16", 23);
  check<cfg({.n = 1, .in_c = 16, .out_c = 24, .h = 17, .w = 23}, 7, true, false), 2>("F2 17x23 16->24 add", 24);
  check<cfg({.n = 3, .in_c = 64, .out_c = 64, .h = 9, .w = 10}, 6, false, false), 2>("F2 3x9x10 64->64", 25);
  check<cfg({.n = 2, .in_c = 64, .out_c = 80, .h = 7, .w = 7}, 16, true, true, 4), 2>("F2 2x7x7 64->80 groups", 26);
  check<cfg({.n = 1, .in_c = 48, .out_c = 32, .h = 12, .w = 13, .in_pad = 2, .out_pad = 0, .res_pad = 3}, 9, true,
            true),
        2>("F2 12x13 48->32 halos", 27);
  check<cfg({.n = 1, .in_c = 20, .out_c = 12, .h = 7, .w = 7, .lanes = 8}, 16, true, true), 2>("F2 8 lanes 7x7 20->12",
                                                                                               28);
}

TEST_CASE("winograd F(2x2): the seed's 7x7 512 -> 512 layers with the chosen blocking") {
  check<seed_layer<1, 7, 512, true, 16, 2>(), 2>("F2 7x7 512->512 add", 29);
  check<seed_layer<1, 7, 512, false, 8, 2>(), 2>("F2 8 lanes 7x7 512->512", 30);
}

TEST_CASE("winograd: where it pays, chunk sizes and output groups") {
  CHECK(rnc::winograd_pays(56, 56, 64, 64));
  CHECK(rnc::winograd_pays(28, 28, 128, 128));
  CHECK(rnc::winograd_pays(14, 14, 256, 256));
  CHECK(rnc::winograd_pays(17, 23, 64, 64));
  CHECK_FALSE(rnc::winograd_pays(7, 7, 512, 512));  // weights stream from memory for 4 tiles
  CHECK(rnc::winograd_pays(7, 7, 512, 512, 3));     // 12 tiles: 1.9 vs 3.5 ms
  CHECK(rnc::winograd_pays(7, 7, 512, 512, 1, 8));  // AVX2: 2.1 vs 3.0 ms
  CHECK_FALSE(rnc::winograd_pays(5, 5, 512, 512, 1, 8));
  CHECK_FALSE(rnc::winograd_pays(10, 10, 64, 64));
  CHECK_FALSE(rnc::winograd_pays(56, 56, 3, 64));  // a stem: one padded input block
  // The variant: F(4x4) where it pays, else F(2x2) where its 2.25x fewer weights beat the direct
  // kernel (AVX-512 only), else direct.
  CHECK(rnc::winograd_tile(14, 14, 256, 256) == 4);
  CHECK(rnc::winograd_tile(7, 7, 512, 512, 3) == 4);
  CHECK(rnc::winograd_tile(7, 7, 512, 512) == 2);        // 1.5 vs 2.1 ms on Zen 4
  CHECK(rnc::winograd_tile(7, 7, 512, 512, 2) == 2);     // F(4x4) still weights-bound
  CHECK(rnc::winograd_tile(7, 7, 512, 512, 1, 8) == 4);  // AVX2: F(4x4) as before
  CHECK(rnc::winograd_tile(5, 5, 512, 512, 1, 8) == 0);  // F(2x2) not for AVX2
  CHECK(rnc::winograd_tile(3, 3, 512, 512) == 0);        // too little work for the weights
  CHECK(rnc::winograd_tile(7, 7, 8, 512) == 0);          // mostly padding channels
  CHECK(rnc::winograd_tile(1, 64, 64, 64) == 0);         // 32 half-empty tiles
  // All tiles in one chunk when the weights stream from memory; capped by the scratch.
  CHECK(rnc::choose_tile_block(196, 64) == 56);
  CHECK(rnc::choose_tile_block(49, 128) == 49);
  CHECK(rnc::choose_tile_block(16, 256) == 16);
  CHECK(rnc::choose_tile_block(4, 512) == 4);
  CHECK(rnc::choose_tile_block(48, 512) == 21);
  CHECK(rnc::choose_tile_block(1, 4096) == 1);
  CHECK(rnc::choose_oc_group(196, 56, 64, 16) == 0);
  CHECK(rnc::choose_oc_group(49, 49, 128, 16) == 4);
  CHECK(rnc::choose_oc_group(16, 16, 256, 16) == 4);
  CHECK(rnc::choose_oc_group(16, 16, 256, 8) == 8);  // 64 channels either way
  // Scratch: V and M of one chunk (positions padded to odd numbers of 64-byte lines) + a patch.
  constexpr WinogradCfg c = seed_layer<1, 56, 64, true>();
  CHECK(rnc::kern::winograd_scratch_floats(c) == 36 * (225 + 225) * 16 + 576);
  // 8 lanes: 56 tiles x 8 blocks of 8 = 224 lines, padded to 225.
  constexpr WinogradCfg c8 = seed_layer<1, 56, 64, true, 8>();
  CHECK(rnc::kern::winograd_scratch_floats(c8) == 36 * (225 + 225) * 16 + 288);
}

TEST_CASE("int8 winograd: where it pays (Zen 4, time vs the direct int8 kernel), chunks and panels") {
  CHECK(rnc::int8_winograd_pays(14, 14, 256, 256));  // 0.92-0.94x
  CHECK(rnc::int8_winograd_pays(28, 28, 128, 128));  // 0.94-0.98x
  CHECK(rnc::int8_winograd_pays(28, 28, 128, 128, 16));
  CHECK_FALSE(rnc::int8_winograd_pays(56, 56, 64, 64));       // 1.00-1.02x: the transforms eat the gain
  CHECK_FALSE(rnc::int8_winograd_pays(7, 7, 512, 512));       // 1.2-1.4x: weights for 16 tiles
  CHECK_FALSE(rnc::int8_winograd_pays(14, 14, 64, 64));       // not measured: a larger share of transforms
  CHECK_FALSE(rnc::int8_winograd_pays(14, 14, 1024, 256));    // int32 holds the sums of 512 channels
  CHECK_FALSE(rnc::int8_winograd_pays(14, 14, 256, 256, 8));  // AVX2: no vpdpwssd kernel
  CHECK(rnc::choose_qwinograd_tile_block(49, 256) == 49);     // one chunk: the weights stream once
  CHECK(rnc::choose_qwinograd_tile_block(196, 128) == 56);
  CHECK(rnc::choose_qwinograd_tile_block(196, 512) == 32);  // 32 * 32 * 512 bytes = 512 KB
  CHECK(rnc::choose_qwinograd_oc_blocks(16) == 2);
  CHECK(rnc::choose_qwinograd_oc_blocks(9) == 1);
}

TEST_CASE("winograd: pack_winograd_weights of a single tap is the outer product of G's columns") {
  // g = e_(1,2) (kh = 1, kw = 2): U = G[:,1] G[:,2]^T. Channels 1 -> 1 padded to 16 x 16.
  Tensor w({1, 1, 3, 3});
  w.at4(0, 0, 1, 2) = 1.0f;
  const std::vector<float> u = rnc::pack_winograd_weights(w, 16);
  REQUIRE(u.size() == 36u * 16 * 16);
  const double g1[6] = {0, -1.0 / 6, 1.0 / 6, 1.0 / 12, -1.0 / 12, 0};
  const double g2[6] = {0, -1.0 / 6, -1.0 / 6, 1.0 / 6, 1.0 / 6, 1};
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 6; ++c) {
      CAPTURE(r);
      CAPTURE(c);
      const std::size_t base = static_cast<std::size_t>(r * 6 + c) * 256;
      CHECK(u[base] == static_cast<float>(g1[r] * g2[c]));
      for (std::size_t k = 1; k < 256; ++k) CHECK(u[base + k] == 0.0f);
    }
  CHECK_THROWS_AS(rnc::pack_winograd_weights(Tensor({4, 4, 1, 1}), 16), std::invalid_argument);
}
