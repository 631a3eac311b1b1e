// Exact int8 Winograd F(2x2, 3x3) for 3x3 / stride 1 / padding 1 int8 layers (qconv.hpp's
// activations, parameters and requantization): the same bytes as qconv_blocked, with 16
// multiplications per 2x2 output tile and input/output channel pair instead of 36, each a 16-bit
// one (`vpdpwssd`, 32 multiply-adds per instruction, half of `vpdpbusd`'s 64). Every step is
// exact integer arithmetic:
//   V = B^T d B   of each 4x4 u8 input patch, in int16: |V| <= 2 * 255 (or 4 * 255 = 1020);
//   U = (2G) g (2G)^T = 4 G g G^T, 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]: |U| <= 9 * 128;
//   M[p] = sum over input channels of V[p] * U[p], int32 (`vpdpwssd` on pairs of channels);
//   Y = A^T M A = 4 * (the direct convolution's sum), shifted right by 2 (exact), + bias, then
//   the vector requantize() of qconv_simd.hpp (requantize_lanes), fused residual and ReLU.
// |4 * sum| <= 4 * 9 * 512 * 255 * 128 < 2^31 for up to 512 input channels, so int32 holds Y
// (the partial sums in M may wrap: the final value is exact modulo 2^32 and in range).
//
// Measured (bench_qwinograd, Zen 4, one thread, ResNet-18 at batch 1): the GEMMs run at 97-99% of
// the `vpdpwssd` peak, which makes 2.25x fewer multiplications at most 1.125x faster than
// `vpdpbusd`; the transforms take 3% (14x14x256) to 12% (56x56x64) of the time. Against
// qconv_blocked (95-99% of the `vpdpbusd` peak): 14x14x256 0.92x the time, 28x28x128 0.95x,
// 56x56x64 1.00x, 7x7x512 1.2x (2x2 tiles cover 8x8 outputs, and 8 MB of weights stream); with the
// weights in memory instead of L3 0.94-0.98x, 0.97-0.99x, 1.01-1.05x, 1.4-1.8x. The weights are
// 32 / 9 = 3.6x those of the direct kernel (int16, 16 positions per 9 taps). In the seed network
// (--profile): 0.95-0.98x at 1 thread; at 2 threads 0.95-0.97x at 14x14 and a tie at 28x28
// (codegen/winograd.cpp, int8_winograd_pays, picks the layers; docs/performance.md).
//
// Work: the parts split the panels of oc_blocks output blocks (each part streams only its
// panels' weights), and the 2x2 tiles (over n, tile rows, tile columns) only among the parts of
// one panel group when there are more parts than panels (share_of); a part walks its tiles in
// equal chunks of at most tile_block:
//   1. input transform of the chunk, one 16-channel block per ymm of int16 (Zen 4's 256-bit units
//      make ymm as fast per element as zmm);
//   2. per panel of the part: 16 GEMMs M[p] = V[p] x U[p] register blocked as
//      reg_tiles tiles x oc_blocks blocks (int32 broadcast of 2 input channels x a zmm of 16
//      output channels x 2 input channels), the whole reduction in registers;
//   3. output transform of the panel, epilogue, stores of the valid pixels of edge tiles.
//
// Scratch (a.scratch, qwinograd_scratch_bytes(C)): V [16][ICB][tile_block][16 s16] |
// M [16][oc_blocks][tile_block][16 s32] | edge patch [4][4][16 u8], each position padded to an
// odd number of 64-byte lines (the 16 positions of a tile fall into different L1 sets).
// Weights (pack_qwinograd_weights), int16, one contiguous slab per (panel, position):
//   [OCB / oc_blocks][16 positions][ICB][L / 2 pairs][oc_blocks][L oc][2 ic]
// Parameters (a.w1): those of qconv_blocked (QConvParamsLayout).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common.hpp"
#include "qconv.hpp"

namespace rnc::kern {

struct QWinogradCfg {
  Blocked in;   // u8, pad >= 1
  Blocked out;  // u8 when relu, else s8
  Blocked res;  // residual operand (used when residual): s8 when res_signed, else u8
  int tile_block;     // most 2x2 tiles per chunk (V and M of a chunk should stay in L2)
  int reg_tiles = 7;  // tiles per register block
  int oc_blocks = 2;  // output blocks per register block and weight panel; divides out.cb()
  bool residual = false, relu = false, res_signed = false;
  bool prefetch = true;  // the GEMMs prefetch the next weights (see multiply_panel)
};

namespace qwino {

inline constexpr int kPos = 16;  // 4x4 transformed tile

constexpr int tiles_h(const QWinogradCfg& c) { return (c.out.h + 1) / 2; }
constexpr int tiles_w(const QWinogradCfg& c) { return (c.out.w + 1) / 2; }
constexpr int tiles(const QWinogradCfg& c) { return c.out.n * tiles_h(c) * tiles_w(c); }

// Bytes from one position to the next in V and M: an odd number of 64-byte lines (odd_lines).
constexpr std::int64_t v_stride(const QWinogradCfg& c) {
  return odd_lines(std::int64_t{c.in.cb()} * c.tile_block * c.in.lanes * 2, 64);
}
constexpr std::int64_t m_stride(const QWinogradCfg& c) {
  return odd_lines(std::int64_t{c.oc_blocks} * c.tile_block * c.out.lanes * 4, 64);
}
constexpr int panels(const QWinogradCfg& c) { return c.out.cb() / c.oc_blocks; }

// What one part computes: output panels [panels.begin, panels.end) of tiles [tiles.begin, tiles.end).
struct Share {
  Range panels, tiles;
};

// Parts split the output panels, so that each streams only its panels' weights (3.6x those of the
// direct kernel; at 2 threads each reads half); with more parts than panels, the parts of one
// panel group split its tiles.
constexpr Share share_of(const QWinogradCfg& c, int part, int parts) {
  const int groups = std::min(parts, panels(c));
  for (int g = 0; g < groups; ++g) {
    const Range members = split(parts, g, groups);
    if (part < members.end)
      return {split(panels(c), g, groups), split(tiles(c), part - members.begin, members.end - members.begin)};
  }
  return {{0, 0}, {0, 0}};
}

// The transformed weights of 2G g (2G)^T for one 3x3 kernel g, position p = 4 * row + col.
inline void transform_kernel(const std::int8_t g[9], std::int16_t u[kPos]) {
  constexpr int G2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
  int t[4][3] = {};  // 2G g
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 3; ++k) t[r][c] += G2[r][k] * g[3 * k + c];
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      int s = 0;
      for (int k = 0; k < 3; ++k) s += t[r][k] * G2[c][k];
      u[4 * r + c] = static_cast<std::int16_t>(s);
    }
}

}  // namespace qwino

// int16 elements of the transformed weights of an oc x ic layer.
constexpr std::int64_t qwinograd_weight_count(int oc, int ic, int lanes) {
  return std::int64_t{qwino::kPos} * blocks(oc, lanes) * lanes * blocks(ic, lanes) * lanes;
}

// Transforms and packs s8 weights [oc][ic][3][3] into dst (qwinograd_weight_count(...) int16, the
// layout at the top of this file); padding channels get zero weights. oc_blocks divides the
// output blocks.
inline void pack_qwinograd_weights(const std::int8_t* w, int oc, int ic, int lanes, int oc_blocks, std::int16_t* dst) {
  const std::int64_t L = lanes, Q = oc_blocks, icb = blocks(ic, lanes);
  std::fill(dst, dst + qwinograd_weight_count(oc, ic, lanes), std::int16_t{0});
  for (std::int64_t o = 0; o < oc; ++o)
    for (std::int64_t c = 0; c < ic; ++c) {
      std::int16_t u[qwino::kPos];
      qwino::transform_kernel(w + (o * ic + c) * 9, u);
      for (std::int64_t p = 0; p < qwino::kPos; ++p) {
        const std::int64_t slab = (o / L / Q * qwino::kPos + p) * icb + c / L;
        dst[(((slab * (L / 2) + c % L / 2) * Q + o / L % Q) * L + o % L) * 2 + c % 2] = u[p];
      }
    }
}

// Phases of the kernel, all by default; bench_qwinograd times them one by one.
enum QWinoPhase : unsigned { kQWinoInput = 1, kQWinoGemm = 2, kQWinoOutput = 4, kQWinoAll = 7 };

constexpr std::int64_t qwinograd_scratch_bytes(const QWinogradCfg& c) {
  return qwino::kPos * (qwino::v_stride(c) + qwino::m_stride(c)) + qwino::kPos * c.in.lanes;
}

}  // namespace rnc::kern

// The kernel: in builds for AVX-512 VNNI, or inside a `#pragma GCC target` region that enables
// it (such regions do not define the ISA macros) when the includer defines
// RNC_TARGET_REGION_AVX512VNNI (see qconv_avx512.hpp; test_qwinograd.cpp).
#if (defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)) || \
    defined(RNC_TARGET_REGION_AVX512VNNI)
#define RNC_QWINOGRAD_KERNEL 1

// GCC 12 warns of the self-initialized _mm512_undefined_* inside the intrinsics this file inlines
// (GCC bug 105593); the warnings are false.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace rnc::kern {
namespace qwino {

constexpr int kLanes = 16;  // one NCHW16c block: a ymm of int16, a zmm of int32

// The epilogue's view of the layer (requantize_lanes reads residual, relu and res_signed).
template <QWinogradCfg C>
inline constexpr QConvCfg kEpilogue = QConvCfg{.in = C.in,
                                               .out = C.out,
                                               .res = C.res,
                                               .kernel = 3,
                                               .stride = 1,
                                               .padding = 1,
                                               .ow_block = 1,
                                               .residual = C.residual,
                                               .relu = C.relu,
                                               .res_signed = C.res_signed};

// Tile k of the layer: image, tile row, tile column; next() steps to tile k + 1 (the loops over
// tiles walk them in order without a division per tile).
template <QWinogradCfg C>
struct TilePos {
  int i, ty, tx;
  explicit TilePos(int k) : i(k / (tiles_h(C) * tiles_w(C))), ty(k / tiles_w(C) % tiles_h(C)), tx(k % tiles_w(C)) {}
  void next() {
    if (++tx < tiles_w(C)) return;
    tx = 0;
    if (++ty < tiles_h(C)) return;
    ty = 0;
    ++i;
  }
};

// r = B^T d along one line of 4: [1 0 -1 0] [0 1 1 0] [0 -1 1 0] [0 1 0 -1].
[[gnu::always_inline]] inline void input_line(const __m256i d[4], __m256i r[4]) {
  r[0] = _mm256_sub_epi16(d[0], d[2]);
  r[1] = _mm256_add_epi16(d[1], d[2]);
  r[2] = _mm256_sub_epi16(d[2], d[1]);
  r[3] = _mm256_sub_epi16(d[1], d[3]);
}

// o = A^T m along one line of 4: [1 1 1 0] [0 1 -1 -1].
[[gnu::always_inline]] inline void output_line(const __m512i m[4], __m512i o[2]) {
  o[0] = _mm512_add_epi32(_mm512_add_epi32(m[0], m[1]), m[2]);
  o[1] = _mm512_sub_epi32(_mm512_sub_epi32(m[1], m[2]), m[3]);
}

// The 4x4 patch of tile tp in block ib (rows of `row` bytes at the returned pointer): the input
// itself, or for tiles that reach past the halo (odd sizes) a copy with zeros there, so that reads
// stay inside the tensor (what lies past the halo only reaches the tile's outputs outside the map).
template <QWinogradCfg C>
inline const std::uint8_t* patch_of(const std::uint8_t* in, std::uint8_t* patch, const TilePos<C>& tp, int ib,
                                    std::int64_t& row) {
  const int y0 = 2 * tp.ty - 1, x0 = 2 * tp.tx - 1;
  const int ny = std::min(4, C.in.h + C.in.pad - y0), nx = std::min(4, C.in.w + C.in.pad - x0);
  const std::uint8_t* src = in + C.in.at(tp.i, ib, y0, x0);
  row = std::int64_t{C.in.wp()} * kLanes;
  if (ny == 4 && nx == 4) return src;
  std::memset(patch, 0, 16 * kLanes);
  for (int y = 0; y < ny; ++y) std::memcpy(patch + 4 * y * kLanes, src + y * row, nx * kLanes);
  row = 4 * kLanes;
  return patch;
}

// V[p][ib][t] for tiles [first, first + count) of the layer.
template <QWinogradCfg C>
void input_transform(const std::uint8_t* in, std::uint8_t* v, std::uint8_t* patch, int first, int count) {
  constexpr int icb = C.in.cb(), T = C.tile_block;
  for (int ib = 0; ib < icb; ++ib) {
    TilePos<C> tp(first);
    for (int t = 0; t < count; ++t, tp.next()) {
      std::int64_t row;
      const std::uint8_t* src = patch_of<C>(in, patch, tp, ib, row);
      __m256i db[4][4];  // d B: row y, column x
      for (int y = 0; y < 4; ++y) {
        __m256i d[4];
        for (int x = 0; x < 4; ++x)
          d[x] = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + y * row + x * kLanes)));
        input_line(d, db[y]);
      }
      std::uint8_t* dst = v + (std::int64_t{ib} * T + t) * kLanes * 2;
      for (int x = 0; x < 4; ++x) {
        const __m256i col[4] = {db[0][x], db[1][x], db[2][x], db[3][x]};
        __m256i r[4];
        input_line(col, r);
        for (int y = 0; y < 4; ++y)
          _mm256_store_si256(reinterpret_cast<__m256i*>(dst + (4 * y + x) * v_stride(C)), r[y]);
      }
    }
  }
}

// One register block: M[q][t] = sum over input channels of V[t][c] * U[c][q] for R tiles and the
// Q = oc_blocks blocks of a panel, one position. v: V[p] + first tile; u: the (panel, position)
// slab; m: M[p] + first tile.
// pf: lines to prefetch (pf_lines per input block), see multiply_panel.
template <QWinogradCfg C, int R>
[[gnu::always_inline]] inline void gemm_block(const std::uint8_t* v, const std::int16_t* u, std::uint8_t* m,
                                              std::uintptr_t pf, int pf_lines) {
  constexpr int icb = C.in.cb(), Q = C.oc_blocks, T = C.tile_block;
  __m512i acc[R][Q];
#pragma GCC unroll 32
  for (int t = 0; t < R; ++t)
#pragma GCC unroll 8
    for (int q = 0; q < Q; ++q) acc[t][q] = _mm512_setzero_si512();
  for (int ib = 0; ib < icb; ++ib) {
    const std::uint8_t* vb = v + std::int64_t{ib} * T * kLanes * 2;
    const std::int16_t* ub = u + std::int64_t{ib} * kLanes * Q * kLanes;
    for (int l = 0; l < pf_lines; ++l, pf += 64) _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int j = 0; j < kLanes / 2; ++j) {  // pairs of input channels
      __m512i w[Q];
#pragma GCC unroll 8
      for (int q = 0; q < Q; ++q) w[q] = _mm512_loadu_si512(ub + (j * Q + q) * 2 * kLanes);
#pragma GCC unroll 32
      for (int t = 0; t < R; ++t) {
        std::int32_t pair;
        std::memcpy(&pair, vb + (t * kLanes + 2 * j) * 2, sizeof pair);
        const __m512i x = _mm512_set1_epi32(pair);
#pragma GCC unroll 8
        for (int q = 0; q < Q; ++q) acc[t][q] = _mm512_dpwssd_epi32(acc[t][q], x, w[q]);
      }
    }
  }
#pragma GCC unroll 32
  for (int t = 0; t < R; ++t)
#pragma GCC unroll 8
    for (int q = 0; q < Q; ++q)
      _mm512_store_si512(reinterpret_cast<__m512i*>(m + (std::int64_t{q} * T + t) * kLanes * 4), acc[t][q]);
}

// A register block of `count` (1..K) tiles, the size picked at run time.
template <QWinogradCfg C, int K>
inline void gemm_any(int count, const std::uint8_t* v, const std::int16_t* u, std::uint8_t* m, std::uintptr_t pf,
                     int pf_lines) {
  if (count == K) gemm_block<C, K>(v, u, m, pf, pf_lines);
  else if constexpr (K > 1) gemm_any<C, K - 1>(count, v, u, m, pf, pf_lines);
}

// Slab of the weights of (panel, position p), in int16.
template <QWinogradCfg C>
inline constexpr std::int64_t kSlab = std::int64_t{C.in.cb()} * kLanes * C.oc_blocks * kLanes;

// The 16 GEMMs of one panel for `count` tiles, cut into equal register blocks (16 = 6 + 5 + 5 with
// reg_tiles 6, not 6 + 6 + 4). u: the panel's 16 slabs; following: the slabs of the panel the
// part multiplies next, or null.
// The register blocks of a slab prefetch the next slab (the following panel's first after the
// last), each its share spread over its input blocks: the weights are 3.6x those of the direct
// kernel (int16, 16 / 9 positions per tap) and stream from L3 or memory in a network.
template <QWinogradCfg C>
void multiply_panel(const std::uint8_t* v, const std::int16_t* u, std::uint8_t* m, int count,
                    const std::int16_t* following) {
  constexpr int R = C.reg_tiles, kSlabLines = static_cast<int>(kSlab<C> * 2 / 64);
  const int n = (count + R - 1) / R, block_lines = (kSlabLines + n - 1) / n;
  const int pf_lines = (block_lines + C.in.cb() - 1) / C.in.cb();
  for (int p = 0; p < kPos; ++p) {
    const std::int16_t* slab = u + p * kSlab<C>;
    const std::int16_t* next = p + 1 < kPos ? slab + kSlab<C> : following;
    for (int k = 0; k < n; ++k) {
      const Range t = split(count, k, n);
      const std::uint8_t* vt = v + p * v_stride(C) + std::int64_t{t.begin} * kLanes * 2;
      std::uint8_t* mt = m + p * m_stride(C) + std::int64_t{t.begin} * kLanes * 4;
      // An integer: the last block's share may end past the slab (prefetches do not fault).
      const std::uintptr_t pf = reinterpret_cast<std::uintptr_t>(next) + std::uintptr_t{64} * k * pf_lines * C.in.cb();
      const int lines = C.prefetch && next != nullptr ? pf_lines : 0;
      if (t.end - t.begin == R) gemm_block<C, R>(vt, slab, mt, pf, lines);
      else gemm_any<C, R - 1>(t.end - t.begin, vt, slab, mt, pf, lines);
    }
  }
}

// Y = A^T M A of tile t of output block q of the panel (ob = its block in the layer), then
// Y / 4 + bias, requantized (+ residual, ReLU); stores the valid pixels.
template <QWinogradCfg C>
[[gnu::always_inline]] inline void output_tile(const Args& a, const std::uint8_t* m, int q, int t, int ob,
                                               const TilePos<C>& tp) {
  constexpr int T = C.tile_block;
  const std::uint8_t* src = m + (std::int64_t{q} * T + t) * kLanes * 4;
  __m512i rows[4][2];
  for (int y = 0; y < 4; ++y) {
    __m512i d[4];
    for (int x = 0; x < 4; ++x) d[x] = _mm512_load_si512(src + (4 * y + x) * m_stride(C));
    output_line(d, rows[y]);
  }
  const __m512i bias = _mm512_loadu_si512(a.w1 + kQParams<kEpilogue<C>>.bias() + ob * kLanes);
  const __m512 mult = _mm512_loadu_ps(a.w1 + kQParams<kEpilogue<C>>.mult() + ob * kLanes);
  const __m512 res_scale = _mm512_set1_ps(C.residual ? a.w1[kQParams<kEpilogue<C>>.res_scale()] : 0.0f);
  const int oy0 = 2 * tp.ty, ox0 = 2 * tp.tx;
  const int ny = std::min(2, C.out.h - oy0), nx = std::min(2, C.out.w - ox0);
  for (int x = 0; x < nx; ++x) {
    const __m512i col[4] = {rows[0][x], rows[1][x], rows[2][x], rows[3][x]};
    __m512i o[2];
    output_line(col, o);
    for (int y = 0; y < ny; ++y) {
      const __m512i acc = _mm512_add_epi32(_mm512_srai_epi32(o[y], 2), bias);  // exact: Y = 4 * sum
      const std::uint8_t* res = C.residual ? u8_ptr(a.in1) + C.res.at(tp.i, ob, oy0 + y, ox0 + x) : nullptr;
      const __m512i val = qzmm::requantize_lanes<QZmm, kEpilogue<C>>(acc, mult, res, res_scale);
      QZmm::narrow(u8_ptr(a.out) + C.out.at(tp.i, ob, oy0 + y, ox0 + x), val, !C.relu);
    }
  }
}

template <QWinogradCfg C>
void output_transform(const Args& a, const std::uint8_t* m, int first, int count, int ob0) {
  for (int q = 0; q < C.oc_blocks; ++q) {
    TilePos<C> tp(first);
    for (int t = 0; t < count; ++t, tp.next()) output_tile<C>(a, m, q, t, ob0 + q, tp);
  }
}

template <QWinogradCfg C>
constexpr void check() {
  static_assert(C.in.pad >= 1, "Winograd 3x3/p1 reads one pixel of halo");
  static_assert(C.in.n == C.out.n && C.in.h == C.out.h && C.in.w == C.out.w, "3x3 stride 1 padding 1 keeps the size");
  static_assert(C.in.lanes == kLanes && C.out.lanes == kLanes && C.res.lanes == kLanes, "NCHW16c");
  static_assert(C.tile_block >= 1 && C.reg_tiles >= 1 && C.oc_blocks >= 1, "positive blocking");
  static_assert(C.out.cb() % C.oc_blocks == 0, "oc_blocks divides the output blocks");
  static_assert(C.in.c <= 512, "|4 * sum| < 2^31 up to 512 input channels");
}

}  // namespace qwino

// a.in0 blocked u8 input (halo >= 1), a.w0 transformed weights (pack_qwinograd_weights with
// C.oc_blocks), a.w1 qconv parameters, a.in1 residual when C.residual, a.out blocked int8 output
// (its halo is zeroed), a.scratch qwinograd_scratch_bytes(C) per part, 64-byte aligned.
// Phases: kQWinoAll, or a subset for timing (the skipped phases' buffers keep stale values).
template <QWinogradCfg C, unsigned kPhases = kQWinoAll>
void qconv3x3_winograd(const Args& a, int part, int parts) {
  qwino::check<C>();
  constexpr int ocb = C.out.cb(), T = C.tile_block, Q = C.oc_blocks;
  std::uint8_t* out = u8_ptr(a.out);
  const Range rows = split(C.out.n * ocb * C.out.h, part, parts);
  if constexpr ((kPhases & kQWinoOutput) != 0)
    for (int r = rows.begin; r < rows.end; ++r)
      zero_halo_row<C.out>(out, r / (C.out.h * ocb), (r / C.out.h) % ocb, r % C.out.h);

  std::uint8_t* v = u8_ptr(a.scratch);
  std::uint8_t* m = v + qwino::kPos * qwino::v_stride(C);
  std::uint8_t* patch = m + qwino::kPos * qwino::m_stride(C);
  const auto* weights = reinterpret_cast<const std::int16_t*>(a.w0);
  const auto panel_weights = [&](int panel) { return weights + panel * qwino::kPos * qwino::kSlab<C>; };
  // Exact integer sums: any split computes the same bytes.
  const qwino::Share share = qwino::share_of(C, part, parts);
  const Range tiles = share.tiles, panels = share.panels;
  const int chunks = (tiles.end - tiles.begin + T - 1) / T;
  for (int k = 0; k < chunks; ++k) {
    const Range chunk = split(tiles.end - tiles.begin, k, chunks);
    const int first = tiles.begin + chunk.begin, count = chunk.end - chunk.begin;
    if constexpr ((kPhases & kQWinoInput) != 0) qwino::input_transform<C>(u8_ptr(a.in0), v, patch, first, count);
    for (int panel = panels.begin; panel < panels.end; ++panel) {
      // The panel multiplied next: the following one, or the first again for the next chunk.
      const int next = panel + 1 < panels.end ? panel + 1 : k + 1 < chunks ? panels.begin : -1;
      if constexpr ((kPhases & kQWinoGemm) != 0)
        qwino::multiply_panel<C>(v, panel_weights(panel), m, count, next < 0 ? nullptr : panel_weights(next));
      if constexpr ((kPhases & kQWinoOutput) != 0) qwino::output_transform<C>(a, m, first, count, panel * Q);
    }
  }
}

}  // namespace rnc::kern

#pragma GCC diagnostic pop
#endif
