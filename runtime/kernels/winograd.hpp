// Winograd F(4x4, 3x3) convolution for 3x3 / stride 1 / padding 1 layers: 36 multiplications per
// 4x4 output tile and (input, output) channel pair instead of 144 (Lavin & Gray 2016, points
// 0, +-1, +-2 and infinity). The same code with 2x2 output tiles is F(2x2, 3x3)
// (conv3x3_winograd_f2: 4x4 input patches, 16 positions, 16 multiplications per tile instead of
// 36): 2.25x fewer transformed weights, for small maps whose F(4x4) weights stream from memory.
// Below, 36 / 6x6 / 4x4 tiles read 16 / 4x4 / 2x2 for F(2x2).
//
// Parts split the (group of `oc_group` output blocks, 4x4 tile) items evenly; a part takes its
// tiles in equal chunks of at most `tile_block`:
//   1. input transform  V = B^T d B of every 6x6 input patch of the chunk, one channel block
//                       (L = C.out.lanes channels) per vector (once per chunk, shared by the
//                       part's output groups);
//   2. 36 independent GEMMs M[p] = V[p] x U[p], [tiles x IC] x [IC x the part's output
//      channels], register blocked as 6 tiles x 4 output blocks (AVX-512, 16 lanes), 6 x 2
//      (AVX2, 8 lanes; portable code 3 x 2), inputs broadcast, weights as vectors, summed in
//      chunks of L input channels;
//   3. output transform Y = A^T M A, + bias, + residual, ReLU, stores only the valid pixels of
//      edge tiles.
// Every output value is computed by the same sequence of operations whatever the split into
// parts, so results are bit-identical for any thread count.
//
// Scratch (a.scratch, private to the part, winograd_scratch_floats(C) floats):
//   V [36][IC/L][tile_block][L] | M [36][OC/L][tile_block][L] | edge patch [6][6][L]
//   (each position padded to an odd number of 64-byte lines).
// Transformed weights (codegen/winograd.cpp, pack_winograd_weights), per position p = 6*row+col:
//   [36][OC/(4L) panels][IC padded][panel width (4 blocks, the last one OC/L % 4)][L oc],
//   every panel a contiguous stream the register block reads front to back.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "common.hpp"

#include "lane_vec.hpp"

namespace rnc::kern {

struct WinogradCfg {
  Blocked in, out, res;  // in.pad >= 1; res: residual geometry (used when residual)
  int tile_block;        // most 4x4 output tiles (over n, tile rows, tile columns) per chunk
  bool residual, relu;
  int oc_group = 0;  // output channel blocks per work item (how parts split the output
                     // channels): a multiple of 4, or 0 for all
};

namespace wino {

inline constexpr int kPositions = 36;  // 6x6 transformed tile of F(4x4, 3x3)
// Transformed tile of F(m x m, 3x3): (m + 2) x (m + 2) positions (m = 4, or 2 for F(2x2, 3x3)).
template <int M>
inline constexpr int kPos = (M + 2) * (M + 2);
inline constexpr int kPanel = 4;  // output blocks per weight panel (and register block)

// Channels per block (all three tensors share them).
template <WinogradCfg C>
inline constexpr int kLanes = C.out.lanes;

// M x M output tiles (M = 4: F(4x4, 3x3), 2: F(2x2, 3x3)).
template <int M = 4>
constexpr int tiles_h(const WinogradCfg& c) {
  return (c.out.h + M - 1) / M;
}
template <int M = 4>
constexpr int tiles_w(const WinogradCfg& c) {
  return (c.out.w + M - 1) / M;
}
template <int M = 4>
constexpr int tiles(const WinogradCfg& c) {
  return c.out.n * tiles_h<M>(c) * tiles_w<M>(c);
}
constexpr int group(const WinogradCfg& c) {
  return c.oc_group > 0 && c.oc_group < c.out.cb() ? c.oc_group : c.out.cb();
}
// Floats from one position to the next in V and M: an odd number of 64-byte lines (odd_lines).
constexpr std::int64_t v_stride(const WinogradCfg& c) {
  return odd_lines(std::int64_t{c.in.cb()} * c.tile_block * c.in.lanes, kLineFloats);
}
constexpr std::int64_t m_stride(const WinogradCfg& c) {
  return odd_lines(std::int64_t{c.out.cb()} * c.tile_block * c.out.lanes, kLineFloats);
}

// r = B^T d for one line of 6:
//   [4  0 -5  0 1 0] [0 -4 -4  1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0] [0 4 0 -5 0 1]
template <class Vec>
[[gnu::always_inline]] inline void input_line(const Vec d[6], Vec r[6]) {
  const Vec s1 = fma(d[2], -4.0f, d[4]), s2 = fma(d[1], -4.0f, d[3]);
  const Vec s3 = d[4] - d[2], s4 = d[3] - d[1];
  r[0] = fma(d[0], 4.0f, fma(d[2], -5.0f, d[4]));
  r[1] = s1 + s2;
  r[2] = s1 - s2;
  r[3] = fma(s4, 2.0f, s3);
  r[4] = fma(s4, -2.0f, s3);
  r[5] = fma(d[1], 4.0f, fma(d[3], -5.0f, d[5]));
}

// o = A^T m for one line of 6: [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1]
template <class Vec>
[[gnu::always_inline]] inline void output_line(const Vec m[6], Vec o[4]) {
  const Vec a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
  o[0] = (m[0] + a) + c;
  o[1] = fma(d, 2.0f, b);
  o[2] = fma(c, 4.0f, a);
  o[3] = fma(d, 8.0f, b) + m[5];
}

// F(2x2, 3x3) (points 0, 1, -1 and infinity): r = B^T d for one line of 4,
//   [1 0 -1 0] [0 1 1 0] [0 -1 1 0] [0 1 0 -1]
template <class Vec>
[[gnu::always_inline]] inline void input_line2(const Vec d[4], Vec r[4]) {
  r[0] = d[0] - d[2];
  r[1] = d[1] + d[2];
  r[2] = d[2] - d[1];
  r[3] = d[1] - d[3];
}

// F(2x2, 3x3): o = A^T m for one line of 4: [1 1 1 0] [0 1 -1 -1]
template <class Vec>
[[gnu::always_inline]] inline void output_line2(const Vec m[4], Vec o[2]) {
  o[0] = (m[0] + m[1]) + m[2];
  o[1] = (m[1] - m[2]) - m[3];
}

// Tile k of the layer: image, tile row, tile column (tiles of M x M outputs).
template <WinogradCfg C, int M = 4>
struct TilePos {
  int i, ty, tx;
  explicit TilePos(int k)
      : i(k / (tiles_h<M>(C) * tiles_w<M>(C))), ty(k / tiles_w<M>(C) % tiles_h<M>(C)), tx(k % tiles_w<M>(C)) {}
};

// Column x of B^T d B from column x of d B: V[y * 6 + x] for y = 0..5.
template <WinogradCfg C>
[[gnu::always_inline]] inline void input_column(const Vec<kLanes<C>> (&col)[6], float* dst, int x) {
  Vec<kLanes<C>> r[6];
  input_line(col, r);
  for (int y = 0; y < 6; ++y) store(dst + (y * 6 + x) * v_stride(C), r[y]);
}

// F(2x2, 3x3): V[p][ib][t][L] (16 positions) for tiles [first, first + count) of the layer.
template <WinogradCfg C>
void input_transform2(const float* in, float* v, float* patch, int first, int count) {
  using Vec = kern::Vec<kLanes<C>>;
  constexpr int icb = C.in.cb(), T = C.tile_block, L = kLanes<C>;
  constexpr std::int64_t row = static_cast<std::int64_t>(C.in.wp()) * L;
  for (int ib = 0; ib < icb; ++ib)
    for (int t = 0; t < count; ++t) {
      const TilePos<C, 2> tp(first + t);
      const int y0 = 2 * tp.ty - 1, x0 = 2 * tp.tx - 1;
      const int ny = std::min(4, C.in.h + C.in.pad - y0), nx = std::min(4, C.in.w + C.in.pad - x0);
      const float* src = in + C.in.at(tp.i, ib, y0, x0);
      std::int64_t stride = row;
      if (ny < 4 || nx < 4) {
        for (int y = 0; y < 4; ++y)
          for (int x = 0; x < 4; ++x)
            for (int l = 0; l < L; ++l) patch[(y * 4 + x) * L + l] = y < ny && x < nx ? src[y * row + x * L + l] : 0.0f;
        src = patch;
        stride = 4 * L;
      }
      float* dst = v + (static_cast<std::int64_t>(ib) * T + t) * L;
      Vec db[4][4];  // d B: row y, column x
      for (int y = 0; y < 4; ++y) {
        Vec d[4];
        for (int x = 0; x < 4; ++x) d[x] = Vec::load(src + y * stride + x * L);
        input_line2(d, db[y]);
      }
      for (int x = 0; x < 4; ++x) {
        const Vec col[4] = {db[0][x], db[1][x], db[2][x], db[3][x]};
        Vec r[4];
        input_line2(col, r);
        for (int y = 0; y < 4; ++y) store(dst + (y * 4 + x) * v_stride(C), r[y]);
      }
    }
}

// V[p][ib][t][L] for tiles [first, first + count) of the layer.
template <WinogradCfg C>
void input_transform(const float* in, float* v, float* patch, int first, int count) {
  using Vec = kern::Vec<kLanes<C>>;
  constexpr int icb = C.in.cb(), T = C.tile_block, L = kLanes<C>;
  constexpr std::int64_t row = static_cast<std::int64_t>(C.in.wp()) * L;
  for (int ib = 0; ib < icb; ++ib)
    for (int t = 0; t < count; ++t) {
      const TilePos<C> tp(first + t);
      const int y0 = 4 * tp.ty - 1, x0 = 4 * tp.tx - 1;
      // Patch rows/columns inside the padded tensor; the rest (past the bottom or right halo of
      // edge tiles) reads as zero.
      const int ny = std::min(6, C.in.h + C.in.pad - y0), nx = std::min(6, C.in.w + C.in.pad - x0);
      const float* src = in + C.in.at(tp.i, ib, y0, x0);
      std::int64_t stride = row;
      if (ny < 6 || nx < 6) {
        for (int y = 0; y < 6; ++y)
          for (int x = 0; x < 6; ++x)
            for (int l = 0; l < L; ++l) patch[(y * 6 + x) * L + l] = y < ny && x < nx ? src[y * row + x * L + l] : 0.0f;
        src = patch;
        stride = 6 * L;
      }
      // d B (input_line along x) two output columns at a time, each from the 3 or 4 pixels of a
      // row it needs (reloaded from L1), then B^T along y: 12 live vectors instead of 36, no
      // spills (31 instead of 42 ns per tile and input block).
      float* dst = v + (static_cast<std::int64_t>(ib) * T + t) * L;
      Vec c0[6], c1[6];
      for (int y = 0; y < 6; ++y) {
        const float* p = src + y * stride;
        c0[y] = fma(Vec::load(p), 4.0f, fma(Vec::load(p + 2 * L), -5.0f, Vec::load(p + 4 * L)));
        c1[y] = fma(Vec::load(p + L), 4.0f, fma(Vec::load(p + 3 * L), -5.0f, Vec::load(p + 5 * L)));
      }
      input_column<C>(c0, dst, 0);
      input_column<C>(c1, dst, 5);
      for (int y = 0; y < 6; ++y) {
        const float* p = src + y * stride;
        const Vec s1 = fma(Vec::load(p + 2 * L), -4.0f, Vec::load(p + 4 * L));
        const Vec s2 = fma(Vec::load(p + L), -4.0f, Vec::load(p + 3 * L));
        c0[y] = s1 + s2;
        c1[y] = s1 - s2;
      }
      input_column<C>(c0, dst, 1);
      input_column<C>(c1, dst, 2);
      for (int y = 0; y < 6; ++y) {
        const float* p = src + y * stride;
        const Vec s3 = Vec::load(p + 4 * L) - Vec::load(p + 2 * L), s4 = Vec::load(p + 3 * L) - Vec::load(p + L);
        c0[y] = fma(s4, 2.0f, s3);
        c1[y] = fma(s4, -2.0f, s3);
      }
      input_column<C>(c0, dst, 3);
      input_column<C>(c1, dst, 4);
    }
}

// Register block: R tiles x Q output blocks of a panel of PW, L = C.out.lanes input channels
// (block ib): M[t][r] (+)= sum over c of V[ib][t][c] * U[ib*L + c][r].
// v: V[p][ib] + first tile; u: the panel's rows of block ib ([L][PW][L]) + first output block;
// m: M[p] + first output block + first tile ([block][T][L]); first: ib == 0 (store instead of
// add); pf: weights to prefetch into L2 (PW lines per input channel) or null.
// The sum over input channels runs in chunks of L added to M one after the other: M holds
// values much larger than the output (A^T cancels them), and one fp32 FMA chain over all input
// channels would be the largest error of the whole method (4x the chunked one at 512 channels).
template <WinogradCfg C, int R, int Q, int PW>
inline void gemm_block(const float* v, const float* u, float* m, bool first, const float* pf) {
  constexpr int T = C.tile_block, L = kLanes<C>;
  using V = typename Register<L>::type;
  if constexpr (!std::is_void_v<V>) {
    typename V::Reg acc[R][Q];
#pragma GCC unroll 32
    for (int t = 0; t < R; ++t)
#pragma GCC unroll 4
      for (int r = 0; r < Q; ++r) acc[t][r] = V::zero();
#pragma GCC unroll 16
    for (int c = 0; c < L; ++c) {
      typename V::Reg w[Q];
#pragma GCC unroll 4
      for (int r = 0; r < Q; ++r) w[r] = V::load(u + (c * PW + r) * L);
      if (pf != nullptr)  // the lines of this input channel's row of the panel
#pragma GCC unroll 4
        for (int f = 0; f < PW * L; f += kLineFloats) __builtin_prefetch(pf + c * PW * L + f, 0, 2);  // prefetcht1
#pragma GCC unroll 32
      for (int t = 0; t < R; ++t) {
        const typename V::Reg x = V::set1(v[t * L + c]);
#pragma GCC unroll 4
        for (int r = 0; r < Q; ++r) acc[t][r] = V::fmadd(x, w[r], acc[t][r]);
      }
    }
#pragma GCC unroll 32
    for (int t = 0; t < R; ++t)
#pragma GCC unroll 4
      for (int r = 0; r < Q; ++r) {
        float* dst = m + (r * T + t) * L;
        V::store(dst, first ? acc[t][r] : V::add(V::load(dst), acc[t][r]));
      }
  } else {
    (void)pf;
    float acc[R][Q][L] = {};
    for (int c = 0; c < L; ++c)
      for (int t = 0; t < R; ++t) {
        const float x = v[t * L + c];
        for (int r = 0; r < Q; ++r)
          for (int l = 0; l < L; ++l) acc[t][r][l] += x * u[(c * PW + r) * L + l];
      }
    for (int t = 0; t < R; ++t)
      for (int r = 0; r < Q; ++r) {
        float* dst = m + (r * T + t) * L;
        if (first)
          for (int l = 0; l < L; ++l) dst[l] = acc[t][r][l];
        else
          for (int l = 0; l < L; ++l) dst[l] += acc[t][r][l];
      }
  }
}

// Register block shape for a panel of PW output blocks of L lanes: Q blocks x reg_tiles(Q)
// tiles. AVX-512 (16 lanes, 32 zmm): about 24 accumulators (6 x 4). AVX2 (8 lanes, 16 ymm):
// 12 accumulators (6 tiles x 2 blocks) + 2 weight vectors + 1 broadcast. Portable code gets 12
// vectors of 8 (3 tiles x 2 blocks, what an AVX2 register file holds without spilling).
template <int L>
constexpr int reg_blocks(int pw) {
  if (L == 16 && !std::is_void_v<typename Register<16>::type>) return pw;
  return pw % 2 == 0 ? 2 : 1;
}
template <int L>
constexpr int reg_tiles(int q) {
  if (L == 16 && !std::is_void_v<typename Register<16>::type>) return q >= 4 ? 6 : q == 3 ? 8 : q == 2 ? 12 : 16;
  if (L == 8 && !std::is_void_v<typename Register<8>::type>) return q == 2 ? 6 : 12;
  return q == 2 ? 3 : 6;
}

// A register block of `count` (1..K) tiles, the size picked at run time.
template <WinogradCfg C, int Q, int PW, int K>
inline void gemm_any(int count, const float* v, const float* u, float* m, bool first, const float* pf) {
  if (count == K) gemm_block<C, K, Q, PW>(v, u, m, first, pf);
  else if constexpr (K > 1) gemm_any<C, Q, PW, K - 1>(count, v, u, m, first, pf);
}

// Whether the GEMMs prefetch the weights two input-channel blocks ahead (8 KB for a panel of 4):
// when the layer's transformed weights (36 * IC * OC floats) do not fit in L2 they stream from
// L3 or memory, and the hardware prefetcher alone leaves the FMAs waiting (cold 14x14x256:
// 0.96 -> 0.52 ms); weights that stay in L2 only pay for the extra instructions.
template <WinogradCfg C, int M = 4>
inline constexpr bool kPrefetchWeights = std::int64_t{kPos<M>} * C.in.cb() * C.out.cb() * kLanes<C>* kLanes<C> * 4 >
                                         (std::int64_t{1} << 20);

// `count` tiles of one position against one panel, input-channel block by block so that the
// panel's L rows of a block (4 KB with 16 lanes) stay in L1 while every register block of tiles uses them.
// The tiles are cut into equal register blocks (16 = 6 + 5 + 5, not 6 + 6 + 4).
template <WinogradCfg C, int PW, int M>
inline void gemm_panel(const float* v, const float* u, float* m, int count) {
  constexpr int icb = C.in.cb(), T = C.tile_block, L = kLanes<C>, Q = reg_blocks<L>(PW), R = reg_tiles<L>(Q);
  const int n = (count + R - 1) / R;
  for (int ib = 0; ib < icb; ++ib) {
    const float* vb = v + static_cast<std::int64_t>(ib) * T * L;
    const float* ub = u + static_cast<std::int64_t>(ib) * L * PW * L;
    for (int k = 0; k < n; ++k) {
      const Range t = split(count, k, n);
      // Only the first register block prefetches (the address is never dereferenced: past the
      // last panel it may point beyond the weights).
      const float* pf = kPrefetchWeights<C, M> && k == 0 ? ub + 2 * L * PW * L : nullptr;
      for (int r = 0; r < PW; r += Q) {
        const float* vt = vb + t.begin * L;
        float* mt = m + (static_cast<std::int64_t>(r) * T + t.begin) * L;
        if (t.end - t.begin == R) gemm_block<C, R, Q, PW>(vt, ub + r * L, mt, ib == 0, r == 0 ? pf : nullptr);
        else gemm_any<C, Q, PW, R - 1>(t.end - t.begin, vt, ub + r * L, mt, ib == 0, r == 0 ? pf : nullptr);
      }
    }
  }
}

// The 36 (F(2x2): 16) GEMMs of one chunk: `count` tiles, output blocks [ob0, ob0 + nob).
template <WinogradCfg C, int M>
void multiply(const float* v, const float* w, float* m, int count, int ob0, int nob) {
  constexpr int icb = C.in.cb(), ocb = C.out.cb(), T = C.tile_block, L = kLanes<C>;
  constexpr std::int64_t ic = icb * L, pos_stride = ic * ocb * L;
  for (int p = 0; p < kPos<M>; ++p) {
    const float* vp = v + p * v_stride(C);
    for (int b = ob0; b < ob0 + nob; b += kPanel) {
      const float* u = w + p * pos_stride + static_cast<std::int64_t>(b) * L * ic;
      float* mp = m + p * m_stride(C) + static_cast<std::int64_t>(b - ob0) * T * L;
      if (b + kPanel <= ocb) gemm_panel<C, kPanel, M>(vp, u, mp, count);
      else if constexpr (ocb % kPanel != 0) gemm_panel<C, ocb % kPanel, M>(vp, u, mp, count);
    }
  }
}

// Y = A^T M A + bias (+ residual) (ReLU) for tiles [first, first + count), blocks [ob0, ob0+nob).
template <WinogradCfg C, int M>
void output_transform(const Args& a, const float* m, int first, int count, int ob0, int nob) {
  using Vec = kern::Vec<kLanes<C>>;
  constexpr int T = C.tile_block, L = kLanes<C>, P = M + 2;
  constexpr std::int64_t pos_stride = m_stride(C);
  for (int b = 0; b < nob; ++b)
    for (int t = 0; t < count; ++t) {
      const TilePos<C, M> tp(first + t);
      const int oy0 = M * tp.ty, ox0 = M * tp.tx;
      const int ny = std::min(M, C.out.h - oy0), nx = std::min(M, C.out.w - ox0);
      const float* src = m + (static_cast<std::int64_t>(b) * T + t) * L;
      Vec rows[P][M];
      for (int y = 0; y < P; ++y) {
        Vec d[P];
        for (int x = 0; x < P; ++x) d[x] = Vec::load(src + (y * P + x) * pos_stride);
        if constexpr (M == 4) output_line(d, rows[y]);
        else output_line2(d, rows[y]);
      }
      const int ob = ob0 + b;
      const Vec bias = Vec::load(a.w1 + ob * L);
      Vec res[M][M];
      for (int x = 0; x < M; ++x) {
        Vec col[P];
        for (int y = 0; y < P; ++y) col[y] = rows[y][x];
        Vec o[M];
        if constexpr (M == 4) output_line(col, o);
        else output_line2(col, o);
        for (int y = 0; y < M; ++y) res[y][x] = o[y] + bias;
      }
      for (int y = 0; y < ny; ++y) {
        float* dst = a.out + C.out.at(tp.i, ob, oy0 + y, ox0);
        const float* r = C.residual ? a.in1 + C.res.at(tp.i, ob, oy0 + y, ox0) : nullptr;
        for (int x = 0; x < nx; ++x) {
          Vec val = res[y][x];
          if constexpr (C.residual) val = val + Vec::load(r + x * L);
          if constexpr (C.relu) val = relu(val);
          store(dst + x * L, val);
        }
      }
    }
}

}  // namespace wino

// Per-part scratch in floats (V, M and one edge patch; every piece a multiple of 16 floats: whole
// 64-byte lines at every lane count). m: the output tile, 4 (F(4x4, 3x3)) or 2 (F(2x2, 3x3)).
constexpr std::int64_t winograd_scratch_floats(const WinogradCfg& c, int m = 4) {
  const std::int64_t positions = std::int64_t{m + 2} * (m + 2);
  return positions * (wino::v_stride(c) + wino::m_stride(c)) + positions * c.out.lanes;
}

// a.in0 blocked input (halo >= 1), a.w0 transformed weights, a.w1 bias [OCB * L], a.in1 residual
// (C.res) when C.residual, a.out blocked output (its halo is zeroed), a.scratch per-part scratch.
// M: the output tile, 4 (F(4x4, 3x3)) or 2 (F(2x2, 3x3): 16 positions instead of 36, so 2.25x
// fewer transformed weights for 1.78x the multiplications; conv3x3_winograd_f2).
template <WinogradCfg C, int M = 4>
void conv3x3_winograd(const Args& a, int part, int parts) {
  static_assert(M == 4 || M == 2, "F(4x4, 3x3) or F(2x2, 3x3)");
  static_assert(C.in.pad >= 1, "Winograd 3x3/p1 reads one pixel of halo");
  static_assert(C.in.n == C.out.n && C.in.h == C.out.h && C.in.w == C.out.w, "3x3 stride 1 padding 1 keeps the size");
  static_assert(C.tile_block >= 1, "tile_block must be positive");
  static_assert(C.in.lanes == C.out.lanes && C.res.lanes == C.out.lanes, "all tensors share the channel blocking");
  static_assert(C.oc_group >= 0 && (C.oc_group % wino::kPanel == 0 || C.oc_group >= C.out.cb()),
                "oc_group must be a multiple of 4 blocks (or cover all output blocks)");
  static_assert(!C.residual || (C.res.n == C.out.n && C.res.c == C.out.c && C.res.h == C.out.h && C.res.w == C.out.w),
                "residual must have the output's shape");
  constexpr int ocb = C.out.cb(), T = C.tile_block, NT = wino::tiles<M>(C), G = wino::group(C);
  constexpr int groups = (ocb + G - 1) / G;

  const Range rows = split(C.out.n * ocb * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r)
    zero_halo_row<C.out>(a.out, r / (C.out.h * ocb), (r / C.out.h) % ocb, r % C.out.h);

  float* v = a.scratch;
  float* m = v + wino::kPos<M> * wino::v_stride(C);
  float* patch = m + wino::kPos<M> * wino::m_stride(C);
  // Work items (output group, tile), group-major, split evenly over the parts. A part's items
  // form at most three rectangles (groups with the same tile range); it walks each rectangle's
  // tiles in equal chunks of at most tile_block, transforms a chunk's inputs once and runs the
  // GEMMs and output transform for all output blocks of the rectangle. No value depends on the
  // chunking: every tile and output channel goes through the same operations in whatever chunk
  // and register block it lands.
  const Range items = split(groups * NT, part, parts);
  int g = items.begin / NT;
  while (g < groups && g * NT < items.end) {
    const int tiles_begin = std::max(0, items.begin - g * NT), tiles_end = std::min(NT, items.end - g * NT);
    int g_end = g + 1;  // groups [g, g_end) share the tile range
    while (g_end < groups && g_end * NT < items.end && std::max(0, items.begin - g_end * NT) == tiles_begin &&
           std::min(NT, items.end - g_end * NT) == tiles_end)
      ++g_end;
    const int count = tiles_end - tiles_begin, chunks = (count + T - 1) / T;
    for (int k = 0; k < chunks; ++k) {
      const Range chunk = split(count, k, chunks);
      const int first = tiles_begin + chunk.begin, n = chunk.end - chunk.begin;
      const int ob0 = g * G, nob = std::min(g_end * G, ocb) - ob0;
      if constexpr (M == 4) wino::input_transform<C>(a.in0, v, patch, first, n);
      else wino::input_transform2<C>(a.in0, v, patch, first, n);
      wino::multiply<C, M>(v, a.w0, m, n, ob0, nob);
      wino::output_transform<C, M>(a, m, first, n, ob0, nob);
    }
    g = g_end;
  }
}

// Winograd F(2x2, 3x3): the same kernel with 2x2 output tiles (4x4 input patches, 16 positions).
// Weights: pack_winograd_weights(weight, lanes, 2) (codegen/winograd.cpp), [16][...] as above;
// scratch: winograd_scratch_floats(C, 2).
template <WinogradCfg C>
void conv3x3_winograd_f2(const Args& a, int part, int parts) {
  conv3x3_winograd<C, 2>(a, part, parts);
}

}  // namespace rnc::kern
