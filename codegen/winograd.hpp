// Codegen side of the Winograd F(4x4, 3x3) and F(2x2, 3x3) kernels (runtime/kernels/winograd.hpp):
// the weight transform U = G g G^T done once at codegen time, and the policy that decides where
// Winograd pays, which variant, and how a layer's work is blocked (tiles are 2x2 for F(2x2)).
//
// Scratch size rule: each part needs rnc::kern::winograd_scratch_floats(cfg) floats,
//   36 * (odd(in.cb() * tile_block * L / 16) + odd(out.cb() * tile_block * L / 16)) * 16 + 36 * L,
//   odd(x) = x rounded up to an integer, then to an odd one; L the lanes (16 or 8)
// (V, the transformed inputs of one chunk; M, its 36 GEMM results; one edge patch), about
// 36 * tile_block * (IC + OC) floats. Step::scratch_floats is that number. F(2x2, 3x3):
// winograd_scratch_floats(cfg, 2), 16 instead of 36 positions.
#pragma once

#include <cstdint>
#include <vector>

#include "dsl/ir/shape.hpp"

namespace rnc {

// [OC][IC][3][3] -> U = G g G^T per (oc, ic) (computed in double, rounded to float), laid out as
// [36 positions][OC/(4L) panels][IC rounded to L][panel width][L oc], L = lanes: a panel is 4
// blocks of L output channels (the last one OC/L % 4 when that is not 0); padding channels are zero.
// m = 2: the same for F(2x2, 3x3) (conv3x3_winograd_f2): 16 positions (4x4), G of points 0, +-1, inf.
std::vector<float> pack_winograd_weights(const Tensor& weight, int lanes, int m = 4);

// Most tiles per chunk (WinogradCfg::tile_block) for a layer of `tiles` 4x4 output tiles
// (n * ceil(h/4) * ceil(w/4)) and `channels` input (= output) channels. The transformed weights
// stream past once per chunk, so a layer whose weights come from memory wants all its tiles in
// one chunk (14x14x256: 16 tiles in one chunk 0.48 ms, in two 0.66 ms); otherwise the size
// hardly matters (56x56x64: 20..64 tiles within 3%, 28x28x128: 25 or 49 within 3%). The cap
// keeps a chunk's transformed inputs and GEMM results, 36 * tile_block * 2 * channels floats,
// under 3 MB, and a part's scratch with them.
constexpr int choose_tile_block(std::int64_t tiles, std::int64_t channels) {
  const std::int64_t c = channels < 16 ? 16 : channels;
  std::int64_t cap = (std::int64_t{3} << 20) / (36 * 4 * 2 * c);
  cap = cap < 6 ? 6 : cap > 56 ? 56 : cap;
  return static_cast<int>(tiles < 1 ? 1 : tiles < cap ? tiles : cap);
}

// Output blocks of `lanes` channels per work item (WinogradCfg::oc_group). It only decides how
// parts split a layer: by output channels in groups of 64 (each part streams its share of the
// weights) when the layer has few tiles, else by tiles (0: one group). One part runs all groups
// of a chunk together whatever the value.
constexpr int choose_oc_group(std::int64_t tiles, int tile_block, std::int64_t out_c, int lanes) {
  return tiles <= 2 * static_cast<std::int64_t>(tile_block) && out_c > 64 ? 64 / lanes : 0;
}

// Whether Winograd beats the direct kernel for a 3x3 stride-1 padding-1 layer of this size
// (measured on Zen 5; see the comment in winograd.cpp): yes for 56x56, 28x28, 14x14 (2-3x
// faster), no for 7x7 at batch 1 (its 4 tiles do not pay for streaming 4x the weights) with
// AVX-512; with AVX2 (lanes 8) also yes for 7x7, where the direct kernel is slower.
bool winograd_pays(std::int64_t out_h, std::int64_t out_w, std::int64_t in_c, std::int64_t out_c,
                   std::int64_t batch = 1, int lanes = 16);

// The Winograd variant for a 3x3 stride-1 padding-1 layer, as the output tile: 4 for F(4x4, 3x3)
// (conv3x3_winograd) where winograd_pays, else 2 for F(2x2, 3x3) (conv3x3_winograd_f2) where its
// 2.25x fewer transformed weights make it beat the direct kernel (AVX-512, batch 1 7x7x512: 1.5
// vs 2.1 ms on Zen 4; see winograd.cpp), else 0 (the direct kernel).
int winograd_tile(std::int64_t out_h, std::int64_t out_w, std::int64_t in_c, std::int64_t out_c, std::int64_t batch = 1,
                  int lanes = 16);

// Whether the exact int8 Winograd F(2x2, 3x3) (runtime/kernels/qwinograd.hpp, `vpdpwssd`) beats
// the direct int8 kernel (qconv_blocked, `vpdpbusd`) for a 3x3 stride-1 padding-1 int8 layer on a
// target with AVX-512 VNNI (lanes 16): maps of 14x14 to 28x28 with 128 to 512 input channels and
// at least 128 output channels (measured on Zen 4; see winograd.cpp).
bool int8_winograd_pays(std::int64_t out_h, std::int64_t out_w, std::int64_t in_c, std::int64_t out_c, int lanes = 16);

// Most 2x2 tiles per chunk of the int8 Winograd kernel (QWinogradCfg::tile_block) for `tiles`
// tiles and `in_c` input channels: the weights stream once per chunk, so a small layer takes all
// its tiles in one; a chunk's transformed inputs, 32 * tile_block * in_c bytes, stay under 512 KB
// (half of Zen 4's L2), and chunks of 14 to 56 tiles run alike (bench_qwinograd).
constexpr int choose_qwinograd_tile_block(std::int64_t tiles, std::int64_t in_c) {
  std::int64_t cap = (std::int64_t{512} << 10) / (32 * (in_c < 16 ? 16 : in_c));
  cap = cap < 14 ? 14 : cap > 56 ? 56 : cap;
  return static_cast<int>(tiles < 1 ? 1 : tiles < cap ? tiles : cap);
}

// Output blocks per panel of the int8 Winograd kernel (QWinogradCfg::oc_blocks): 2 (4 cost 2-6% of
// the GEMMs' speed, bench_qwinograd), 1 when the blocks are odd (oc_blocks divides them).
constexpr int choose_qwinograd_oc_blocks(std::int64_t out_blocks) { return out_blocks % 2 == 0 ? 2 : 1; }

}  // namespace rnc
