// Register-blocked direct convolution on one vector unit: the same computation as
// conv_blocked_generic and conv_nchw_in_generic (conv_direct.hpp), with outer-product register
// blocking. Written once over a vector type V whose register holds one channel block of V::kLanes
// floats; conv_avx512.hpp (zmm, 16 lanes) and conv_avx2.hpp (ymm, 8 lanes) instantiate it.
//
// A register tile holds oh_block x ow_block output pixels x oc_blocks channel blocks, one
// accumulator register each (codegen/conv_blocking.cpp keeps it within the register file, next
// to the oc_blocks weight vectors and one broadcast input). One reduction step loads the
// oc_blocks weight vectors of one input channel and one kernel tap (adjacent in the packed
// weights), broadcasts that channel's input value of every pixel of the tile and issues
// pixels x oc_blocks FMAs. The reduction runs over the channels of an input block innermost
// (fully unrolled), then kernel columns, kernel rows and input blocks; every size is a constant
// of the layer. The epilogue (bias, residual add, ReLU) is applied to the tile in registers
// before its single store. With ic_chunk (see chunked() in conv_direct.hpp) the input blocks are
// split into passes over all rows; a tile then starts from and returns to its partial sums in
// the output, which keeps the float operations of every output, and their order, unchanged.
//
// V provides: Reg, kLanes, load, store, set1, fmadd(a, b, c) = a * b + c, add, relu (v > 0 ? v : 0).
// Include it only inside code built for V's instruction set (its wrapper header does).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "conv_direct.hpp"

namespace rnc::kern::simd {

// Accumulators of one register tile: [pixel (row-major over oh_block x ow_block)][oc block].
template <class V, ConvCfg C>
using Tile = typename V::Reg[C.oh_block * C.ow_block][C.oc_blocks];

// Offset in floats of tile pixel p of channel block k from the tile's first pixel, in a blocked
// tensor of geometry T.
template <ConvCfg C, Blocked T>
constexpr std::int64_t tile_offset(int p, int k) {
  return (static_cast<std::int64_t>(k) * T.hp() * T.wp() + static_cast<std::int64_t>(p / C.ow_block) * T.wp() +
          p % C.ow_block) *
         T.lanes;
}

// The same pointer, hidden from the optimizer: input values of different kernel taps are often
// the same memory (stride 2: tap kw + 2 of pixel j is tap kw of pixel j + 1), and the compiler
// would keep them in scalar registers and spill them, instead of broadcasting from memory.
template <class V>
[[gnu::always_inline]] inline const float* opaque(const float* p) {
  asm("" : "+r"(p));
  return p;
}

// A tile starts at the bias of its output channels (first pass) or at its partial sums.
template <class V, ConvCfg C>
[[gnu::always_inline]] inline void init_tile(Tile<V, C>& acc, const float* bias) {
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k) {
    const typename V::Reg b = V::load(bias + k * V::kLanes);
#pragma GCC unroll 32
    for (int p = 0; p < C.oh_block * C.ow_block; ++p) acc[p][k] = b;
  }
}

template <class V, ConvCfg C>
[[gnu::always_inline]] inline void load_tile(Tile<V, C>& acc, const float* partial) {
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k)
#pragma GCC unroll 32
    for (int p = 0; p < C.oh_block * C.ow_block; ++p) acc[p][k] = V::load(partial + tile_offset<C, C.out>(p, k));
}

// One reduction step: acc[p][k] += x(p) * w[k] for all pixels p and output blocks k of the tile.
// x(p) = x[row * kRowStride + col * kColStride] is broadcast to the lanes; the weight vectors of
// the oc_blocks output blocks are adjacent at w.
template <class V, ConvCfg C, std::int64_t kRowStride, std::int64_t kColStride>
[[gnu::always_inline]] inline void fma_step(Tile<V, C>& acc, const float* x, const float* w) {
  typename V::Reg wv[C.oc_blocks];
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k) wv[k] = V::load(w + k * V::kLanes);
#pragma GCC unroll 32
  for (int p = 0; p < C.oh_block * C.ow_block; ++p) {
    const typename V::Reg xb = V::set1(x[p / C.ow_block * kRowStride + p % C.ow_block * kColStride]);
#pragma GCC unroll 32
    for (int k = 0; k < C.oc_blocks; ++k) acc[p][k] = V::fmadd(xb, wv[k], acc[p][k]);
  }
}

// Stores the tile whose first pixel is (oy0, ox0) of output block ob0: after the last pass
// through the epilogue (residual add, ReLU), before it as partial sums.
template <class V, ConvCfg C, bool kLast = true>
[[gnu::always_inline]] inline void store_tile(Tile<V, C>& acc, const Args& a, int i, int ob0, int oy0, int ox0) {
  float* dst = a.out + C.out.at(i, ob0, oy0, ox0);
  const float* res = C.residual && kLast ? a.in1 + C.res.at(i, ob0, oy0, ox0) : nullptr;
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k)
#pragma GCC unroll 32
    for (int p = 0; p < C.oh_block * C.ow_block; ++p) {
      typename V::Reg v = acc[p][k];
      if constexpr (kLast && C.residual) v = V::add(v, V::load(res + tile_offset<C, C.res>(p, k)));
      if constexpr (kLast && C.relu) v = V::relu(v);
      V::store(dst + tile_offset<C, C.out>(p, k), v);
    }
}

// conv_blocked weights: floats of one input channel of one tap (the oc_blocks vectors of a
// step), of one (input block, kh, kw), and of one pass of ic_chunk input blocks.
template <ConvCfg C>
inline constexpr std::int64_t kStepFloats = C.oc_blocks* kConvLanes<C>;
template <ConvCfg C>
inline constexpr std::int64_t kTapFloats = kConvLanes<C>* kStepFloats<C>;
template <ConvCfg C>
inline constexpr std::int64_t kPassFloats = static_cast<std::int64_t>(C.ic_chunk) * C.kernel* C.kernel* kTapFloats<C>;

// Chunked passes prefetch the weights of the next pass (contiguous after the current ones, also
// across groups), spread evenly over the taps of all tiles of the pass, so that weights streaming
// from memory overlap the FMAs instead of stalling the first row of every pass.
template <ConvCfg C>
inline constexpr int kPrefetchPerTap = [] {
  if constexpr (!chunked<C>()) {
    return 0;
  } else {
    constexpr std::int64_t lines = kPassFloats<C> / kLineFloats;
    constexpr std::int64_t taps = static_cast<std::int64_t>(item_rows<C>() / C.oh_block) * (C.out.w / C.ow_block) *
                                  C.ic_chunk * C.kernel * C.kernel;
    return static_cast<int>((lines + taps - 1) / taps);
  }
}();

// conv_blocked: the reduction over input blocks [ib_begin, ib_end) of its group of the tile at (oy0, ox0);
// issues kPrefetchPerTap line prefetches per tap from address `prefetch` onwards.
template <class V, ConvCfg C>
[[gnu::always_inline]] inline void reduce_blocked(Tile<V, C>& acc, const Args& a, int i, int ob0, int oy0, int ox0,
                                                  int ib_begin, int ib_end, std::uintptr_t prefetch) {
  constexpr int icb = kGroupInBlocks<C>, K = C.kernel, S = C.stride, L = V::kLanes;
  constexpr std::int64_t kRowStride = static_cast<std::int64_t>(S) * C.in.wp() * L;
  const int ib0 = group_in_block0<C>(ob0);  // ib counts the input blocks of the tile's group
  for (int ib = ib_begin; ib < ib_end; ++ib)
    for (int kh = 0; kh < K; ++kh) {
      const float* x = a.in0 + C.in.at(i, ib0 + ib, oy0 * S - C.padding + kh, ox0 * S - C.padding);
      const float* w = a.w0 + ((static_cast<std::int64_t>(ob0 / C.oc_blocks) * icb + ib) * K + kh) * K * kTapFloats<C>;
      for (int kw = 0; kw < K; ++kw) {
        for (int l = 0; l < kPrefetchPerTap<C>; ++l, prefetch += 64)
          _mm_prefetch(reinterpret_cast<const char*>(prefetch), _MM_HINT_T0);
        const float* xk = opaque<V>(x + kw * L);
#pragma GCC unroll 16
        for (int c = 0; c < L; ++c)
          fma_step<V, C, kRowStride, S * L>(acc, xk + c, w + kw * kTapFloats<C> + c * kStepFloats<C>);
      }
    }
}

// conv_blocked: one pass of input blocks [ib_begin, ib_end) over every tile of the item's rows.
template <class V, ConvCfg C, bool kFirst, bool kLast>
inline void blocked_pass(const Args& a, int i, int ob0, int oy0, int ib_begin, int ib_end) {
  // Prefetch addresses are integers: past the last pass of the last group they leave the tensor.
  constexpr std::uintptr_t kTilePrefetchBytes =
      sizeof(float) * kPrefetchPerTap<C> * C.ic_chunk * C.kernel * C.kernel * kLineFloats;
  std::uintptr_t prefetch =
      reinterpret_cast<std::uintptr_t>(a.w0) +
      sizeof(float) *
          ((static_cast<std::int64_t>(ob0 / C.oc_blocks) * kGroupInBlocks<C> + ib_end) * C.kernel * C.kernel) *
          kTapFloats<C>;
  for (int oy = oy0; oy < oy0 + item_rows<C>(); oy += C.oh_block)
    for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block, prefetch += kTilePrefetchBytes) {
      Tile<V, C> acc;
      if constexpr (kFirst) init_tile<V, C>(acc, a.w1 + ob0 * V::kLanes);
      else load_tile<V, C>(acc, a.out + C.out.at(i, ob0, oy, ox0));
      reduce_blocked<V, C>(acc, a, i, ob0, oy, ox0, ib_begin, ib_end, prefetch);
      store_tile<V, C, kLast>(acc, a, i, ob0, oy, ox0);
    }
}

template <class V, ConvCfg C>
void conv_blocked(const Args& a, int part, int parts) {
  static_assert(C.in.pad >= C.padding, "input halo must cover the convolution padding");
  static_assert(C.in.lanes == V::kLanes && C.out.lanes == V::kLanes, "one channel block per register");
  constexpr int icb = kGroupInBlocks<C>, chunk = chunked<C>() ? C.ic_chunk : icb;
  for_each_conv_item<C>(a.out, part, parts, [&](int i, int ob0, int oy0) {
    if constexpr (chunk == icb) {
      blocked_pass<V, C, true, true>(a, i, ob0, oy0, 0, icb);
    } else {
      blocked_pass<V, C, true, false>(a, i, ob0, oy0, 0, chunk);
      for (int ib = chunk; ib < icb - chunk; ib += chunk)
        blocked_pass<V, C, false, false>(a, i, ob0, oy0, ib, ib + chunk);
      blocked_pass<V, C, false, true>(a, i, ob0, oy0, icb - chunk, icb);
    }
  });
}

template <class V, ConvCfg C>
void conv_nchw_in(const Args& a, int part, int parts) {
  static_assert(C.in.pad >= C.padding, "input halo must cover the convolution padding");
  static_assert(C.groups == 1, "the stem's grouped weights are packed dense (zeros outside the groups)");
  static_assert(C.out.lanes == V::kLanes, "one channel block per register");
  constexpr int K = C.kernel, S = C.stride, ic = C.in.c, hp = C.in.hp(), wp = C.in.wp();
  constexpr std::int64_t kTap = C.oc_blocks * V::kLanes;  // weights of one (input channel, kh, kw)
  constexpr std::int64_t kRowStride = static_cast<std::int64_t>(S) * wp;
  for_each_conv_item<C>(a.out, part, parts, [&](int i, int ob0, int oy0) {
    for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
      Tile<V, C> acc;
      init_tile<V, C>(acc, a.w1 + ob0 * V::kLanes);
      for (int c = 0; c < ic; ++c)
        for (int kh = 0; kh < K; ++kh) {
          const int y = oy0 * S - C.padding + kh + C.in.pad;
          const float* x =
              a.in0 + ((static_cast<std::int64_t>(i) * ic + c) * hp + y) * wp + ox0 * S - C.padding + C.in.pad;
          const float* w = a.w0 + ((static_cast<std::int64_t>(ob0 / C.oc_blocks) * ic + c) * K + kh) * K * kTap;
#pragma GCC unroll 16
          for (int kw = 0; kw < K; ++kw) fma_step<V, C, kRowStride, S>(acc, opaque<V>(x + kw), w + kw * kTap);
        }
      store_tile<V, C>(acc, a, i, ob0, oy0, ox0);
    }
  });
}

}  // namespace rnc::kern::simd
