// Register-blocked int8 convolution on one vector unit: the same computation as
// qconv_blocked_generic (qconv.hpp) with outer-product register blocking, and the vector row
// converters of quantize_blocked / dequantize_blocked. Written once over an integer vector type V
// whose register holds one channel block of V::kLanes int32 accumulators; qconv_avx512.hpp (zmm,
// 16 lanes) and qconv_avx2.hpp (ymm, 8 lanes) instantiate it.
//
// A register tile holds oh_block x ow_block output pixels x oc_blocks channel blocks, one int32
// accumulator register each, started at the bias. One reduction step covers 4 input channels of
// one kernel tap: it loads the oc_blocks weight registers (kLanes output channels x 4 input
// channels each, adjacent in the packed weights), broadcasts the 4 input bytes of every pixel of
// the tile as one int32 and issues pixels x oc_blocks dot products D::dot (u8 x s8, 4 products
// per int32 lane). Steps run over the groups of 4 channels of an input block innermost, then
// kernel columns, kernel rows and input blocks; every size is a constant of the layer. The
// epilogue requantizes the tile in registers with the operations of requantize(), in its order,
// and stores kLanes bytes per register. D is VnniDot (`vpdpbusd`) or EmulatedDot (its exact
// emulation with two `vpmaddwd` on 16-bit halves; `vpmaddubsw` would saturate).
//
// V provides: I (int32 register), F (float register), kLanes; load (kLanes int32 or 4 * kLanes
// bytes), broadcast4 (4 bytes to every int32 lane); for EmulatedDot lo_u8 / hi_u8 (bytes 0, 2 /
// 1, 3 of each int32 zero-extended to 16 bits), lo_s8 / hi_s8 (sign-extended), madd16
// (`vpmaddwd`), add32, and with split input split (split_row on 4 * kLanes bytes); for VnniDot
// dpbusd; for the epilogue and the row converters loadf, storef,
// set1f, to_float, mul, fmadd(a, b, c) = a * b + c, max, min (operand order of the x86
// instructions: NaN in the first operand gives the second), round (to int32, nearest even),
// widen (kLanes u8 or s8 to int32) and narrow (kLanes int32 in [-128, 255] to their low bytes).
//
// Not include-guarded: each including header defines RNC_QSIMD_NS, the namespace of its copy.
// The templates take the instruction set of the code around their definition (GCC target
// pragmas), so a test that builds the zmm and the ymm kernels in one file, each in its own
// `#pragma GCC target` region, needs one copy per region; a build for one instruction set
// includes it once or twice, and only instantiates what it calls.
#ifndef RNC_QSIMD_NS
#error "qconv_simd.hpp: define RNC_QSIMD_NS (the namespace of this copy) before including it"
#endif

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "conv_simd.hpp"
#include "qconv.hpp"

namespace rnc::kern::RNC_QSIMD_NS {

// The 4-byte dot product of a step, D::dot(acc, x, w) = acc + sum over the 4 bytes of each int32
// lane of u8 x[b] * s8 w[b] (wrapping like vpdpbusd): on registers D::input<kSplit>(p) (the 4
// input bytes at p in every lane, or with kSplit their two halves at p, see split_row) and
// D::weights(load), prepared once per pixel and per weight load. kSplitInput: D wants the input
// split (the kernel then splits the input rows of each work item into a buffer once).
template <class Vec>
struct VnniDot {
  using V = Vec;
  using X = typename V::I;
  using W = typename V::I;
  static constexpr bool kSplitInput = false;
  template <bool kSplit>
  [[gnu::always_inline]] static X input(const std::uint8_t* p) {
    static_assert(!kSplit);
    return V::broadcast4(p);
  }
  [[gnu::always_inline]] static W weights(typename V::I w) { return w; }
  [[gnu::always_inline]] static typename V::I dot(typename V::I acc, X x, W w) { return V::dpbusd(acc, x, w); }
};

// Bytes 0 and 2 (even) and 1 and 3 (odd) of each int32 lane widened to 16 bits: the products of
// one half are at most 255 * 128 in magnitude, so `vpmaddwd` adds pairs of them exactly.
// kSplitInputRows: the input halves come from the split rows (two broadcasts, no vector ALU
// work per pixel and step, and no mask register): with 16 ymm registers the emulation is
// ALU-bound, and this takes 2 of its ~6 operations per accumulator and step (AVX2: +15-25%).
template <class Vec, bool kSplitInputRows>
struct EmulatedDot {
  using V = Vec;
  struct Halves {
    typename V::I even, odd;
  };
  using X = Halves;
  using W = Halves;
  static constexpr bool kSplitInput = kSplitInputRows;
  template <bool kSplit>
  [[gnu::always_inline]] static X input(const std::uint8_t* p) {
    if constexpr (kSplit) {
      return {V::broadcast4(p), V::broadcast4(p + 4)};
    } else {
      const typename V::I x = V::broadcast4(p);
      return {V::lo_u8(x), V::hi_u8(x)};
    }
  }
  [[gnu::always_inline]] static W weights(typename V::I w) { return {V::lo_s8(w), V::hi_s8(w)}; }
  // The empty asm keeps each accumulator's sum a chain: integer adds reassociate, and GCC would
  // otherwise sum the products of several steps as a tree, computing (and spilling) them first.
  [[gnu::always_inline]] static typename V::I dot(typename V::I acc, X x, W w) {
    typename V::I sum = V::add32(V::add32(acc, V::madd16(x.even, w.even)), V::madd16(x.odd, w.odd));
    asm("" : "+v"(sum));
    return sum;
  }
};

// Accumulators of one register tile: [pixel (row-major over oh_block x ow_block)][oc block].
template <class V, QConvCfg C>
using Tile = typename V::I[C.oh_block * C.ow_block][C.oc_blocks];

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

// The split input: each group of 4 bytes x0 x1 x2 x3 of the n bytes at src (n a multiple of 4)
// as two int32 of 16-bit halves, x0 | x2 << 16 (even) then x1 | x3 << 16 (odd), at dst (2n bytes).
template <class V>
inline void split_row(const std::uint8_t* src, std::uint8_t* dst, std::int64_t n) {
  std::int64_t k = 0;
  for (; k + 4 * V::kLanes <= n; k += 4 * V::kLanes) V::split(src + k, dst + 2 * k);
  for (; k < n; k += 4) {
    std::uint32_t v, halves[2];
    std::memcpy(&v, src + k, sizeof v);
    halves[0] = v & 0x00ff00ffu, halves[1] = (v >> 8) & 0x00ff00ffu;
    std::memcpy(dst + 2 * k, halves, sizeof halves);
  }
}

// Input rows of one work item (all input blocks, the rows of its oh_block output rows, the
// padded width) and the bytes of their split copy. Only kernels wider than 1x1 split: each input
// byte then serves K taps per row (1x1: once per oc group, and splitting every item costs more
// than the 2 operations per pixel and step it saves; AVX2 1x1 7x7 96 -> 128 GOP/s unsplit).
// Items whose copy would exceed kQSplitMaxBytes (very wide maps) leave the input unsplit.
template <QConvCfg C>
inline constexpr int kQItemInputRows = (C.oh_block - 1) * C.stride + C.kernel;
template <QConvCfg C>
inline constexpr std::int64_t kQSplitBytes =
    2 * static_cast<std::int64_t>(C.in.cb()) * kQItemInputRows<C>* C.in.wp() * C.in.lanes;
inline constexpr std::int64_t kQSplitMaxBytes = 96 * 1024;
template <class D, QConvCfg C>
inline constexpr bool kQSplit = D::kSplitInput&& C.kernel > 1 && kQSplitBytes<C> <= kQSplitMaxBytes;

// One reduction step: acc[p][k] = D::dot(acc[p][k], x(p), w[k]) for all pixels p and output
// blocks k of the tile, x(p) the input (kSplit: its split copy) at x + row * kRowStride + col * kColStride.
template <class D, QConvCfg C, bool kSplit, std::int64_t kRowStride, std::int64_t kColStride>
[[gnu::always_inline]] inline void dot_step(Tile<typename D::V, C>& acc, const std::uint8_t* x, const std::int8_t* w) {
  using V = typename D::V;
  typename D::W wv[C.oc_blocks];
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k) wv[k] = D::weights(V::load(w + k * 4 * V::kLanes));
#pragma GCC unroll 32
  for (int p = 0; p < C.oh_block * C.ow_block; ++p) {
    const typename D::X xb = D::template input<kSplit>(x + p / C.ow_block * kRowStride + p % C.ow_block * kColStride);
#pragma GCC unroll 32
    for (int k = 0; k < C.oc_blocks; ++k) acc[p][k] = D::dot(acc[p][k], xb, wv[k]);
  }
}

// requantize() on kLanes lanes: acc * mult (+ res * res_scale, fused), max(y, lo) then min(y, hi)
// (the operand order of `y > lo ? y : lo`: NaN gives lo), rounded to nearest even (MXCSR
// default); the int32 results are in the output type's range.
template <class V, QConvCfg C>
[[gnu::always_inline]] inline typename V::I requantize_lanes(typename V::I acc, typename V::F mult,
                                                             const std::uint8_t* res, typename V::F res_scale) {
  typename V::F y = V::mul(V::to_float(acc), mult);
  if constexpr (C.residual) y = V::fmadd(V::to_float(V::widen(res, C.res_signed)), res_scale, y);
  y = V::max(y, V::set1f(C.relu ? 0.0f : -128.0f));
  y = V::min(y, V::set1f(C.relu ? 255.0f : 127.0f));
  return V::round(y);
}

template <class V, QConvCfg C>
[[gnu::always_inline]] inline void store_tile(Tile<V, C>& acc, const Args& a, int i, int ob0, int oy0, int ox0) {
  std::uint8_t* dst = u8_ptr(a.out) + C.out.at(i, ob0, oy0, ox0);
  const std::uint8_t* res = C.residual ? u8_ptr(a.in1) + C.res.at(i, ob0, oy0, ox0) : nullptr;
  const typename V::F res_scale = V::set1f(C.residual ? a.w1[kQParams<C>.res_scale()] : 0.0f);
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k) {
    const typename V::F mult = V::loadf(a.w1 + kQParams<C>.mult() + (ob0 + k) * V::kLanes);
#pragma GCC unroll 32
    for (int p = 0; p < C.oh_block * C.ow_block; ++p) {
      const typename V::I q =
          requantize_lanes<V, C>(acc[p][k], mult, res + (C.residual ? tile_offset<C, C.res>(p, k) : 0), res_scale);
      V::narrow(dst + tile_offset<C, C.out>(p, k), q, !C.relu);
    }
  }
}

// Bytes of the weights of one group of oc_blocks output blocks (every input block and tap).
template <QConvCfg C>
inline constexpr std::int64_t kQGroupBytes = static_cast<std::int64_t>(C.in.cb()) * C.kernel* C.kernel* kQTapBytes<C>;

// Each work item (a row group of one group of output blocks) prefetches its share of the next
// group's weights, which follow the current group's, spread over its taps: the first row group
// of a group then finds its weights in the caches instead of waiting for memory, where a layer's
// weights are inside a network. With cold caches (bench_qconv, BENCH_COLD=1, zmm) 3x3 7x7 87 ->
// 93% of peak, 1x1 7x7 60-82 -> 72-89%; with warm caches no change.
template <QConvCfg C>
inline constexpr std::int64_t kQPrefetchLines = (kQGroupBytes<C> / 64 + C.out.h / C.oh_block - 1) /
                                                (C.out.h / C.oh_block);  // per work item
template <QConvCfg C>
inline constexpr int kQPrefetchPerTap =
    static_cast<int>((kQPrefetchLines<C> + (C.out.w / C.ow_block) * C.in.cb() * C.kernel * C.kernel - 1) /
                     ((C.out.w / C.ow_block) * C.in.cb() * C.kernel * C.kernel));

template <class D, QConvCfg C>
void qconv_blocked(const Args& a, int part, int parts) {
  using V = typename D::V;
  check_qconv<C>();
  static_assert(kQLanes<C> == V::kLanes, "one channel block per register");
  constexpr int icb = C.in.cb(), K = C.kernel, S = C.stride, L = V::kLanes;
  constexpr bool kSplit = kQSplit<D, C>;
  constexpr int f = kSplit ? 2 : 1;  // bytes read per input byte
  constexpr int rows = kQItemInputRows<C>;
  // Strides in the input (rows of C.in.wp() pixels, C.in.hp() rows per block) or in its split copy
  // (rows pixels per block).
  constexpr std::int64_t kRowBytes = static_cast<std::int64_t>(C.in.wp()) * L * f;
  constexpr std::int64_t kBlockBytes = (kSplit ? rows : C.in.hp()) * kRowBytes;
  const std::uint8_t* in = u8_ptr(a.in0);
  const std::int8_t* weights = s8_ptr(a.w0);
  alignas(64) std::uint8_t split[kSplit ? kQSplitBytes<C> : 1];
  for_each_conv_item<kQConvShape<C>>(u8_ptr(a.out), part, parts, [&](int i, int ob0, int oy0) {
    // The first input row of the item, and where row 0 of its blocks starts.
    const int y0 = oy0 * S - C.padding;
    const std::uint8_t* rows0 = in + C.in.at(i, 0, y0, -C.in.pad);
    if constexpr (kSplit) {
      for (int ib = 0; ib < icb; ++ib)
        for (int r = 0; r < rows; ++r)
          split_row<V>(in + C.in.at(i, ib, y0 + r, -C.in.pad), split + (ib * rows + r) * kRowBytes, kRowBytes / 2);
      rows0 = split;
    }
    // An integer: past the last group the addresses leave the tensor (prefetches do not fault).
    std::uintptr_t prefetch = reinterpret_cast<std::uintptr_t>(weights) + (ob0 / C.oc_blocks + 1) * kQGroupBytes<C> +
                              oy0 / C.oh_block * kQPrefetchLines<C> * 64;
    for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
      Tile<V, C> acc;
#pragma GCC unroll 32
      for (int k = 0; k < C.oc_blocks; ++k) {
        const typename V::I bias = V::load(a.w1 + kQParams<C>.bias() + (ob0 + k) * L);
#pragma GCC unroll 32
        for (int p = 0; p < C.oh_block * C.ow_block; ++p) acc[p][k] = bias;
      }
      for (int ib = 0; ib < icb; ++ib)
        for (int kh = 0; kh < K; ++kh) {
          const std::uint8_t* x = rows0 + ib * kBlockBytes + kh * kRowBytes +
                                  static_cast<std::int64_t>(ox0 * S - C.padding + C.in.pad) * L * f;
          const std::int8_t* w = weights + qconv_weight_offset<C>(ob0, ib, kh, 0);
          for (int kw = 0; kw < K; ++kw) {
            for (int l = 0; l < kQPrefetchPerTap<C>; ++l, prefetch += 64)
              _mm_prefetch(reinterpret_cast<const char*>(prefetch), _MM_HINT_T0);
            const std::uint8_t* xk = opaque(x + kw * L * f);
#pragma GCC unroll 4
            for (int g = 0; g < L / 4; ++g)
              dot_step<D, C, kSplit, S * kRowBytes, S * L * f>(acc, xk + 4 * f * g,
                                                               w + kw * kQTapBytes<C> + g * kQStepBytes<C>);
          }
        }
      store_tile<V, C>(acc, a, i, ob0, oy0, ox0);
    }
  });
}

// quantize_blocked / dequantize_blocked rows, kLanes elements per register, the tail by ScalarRows.
template <class V>
struct Rows {
  static void quantize(const float* src, std::uint8_t* dst, int n, float inv_scale, bool is_signed) {
    const typename V::F inv = V::set1f(inv_scale), lo = V::set1f(is_signed ? -128.0f : 0.0f),
                        hi = V::set1f(is_signed ? 127.0f : 255.0f);
    int k = 0;
    for (; k + V::kLanes <= n; k += V::kLanes) {
      const typename V::F y = V::min(V::max(V::mul(V::loadf(src + k), inv), lo), hi);  // order of quantize_value
      V::narrow(dst + k, V::round(y), is_signed);
    }
    ScalarRows::quantize(src + k, dst + k, n - k, inv_scale, is_signed);
  }
  static void dequantize(const std::uint8_t* src, float* dst, int n, float scale, bool is_signed) {
    const typename V::F s = V::set1f(scale);
    int k = 0;
    for (; k + V::kLanes <= n; k += V::kLanes) V::storef(dst + k, V::mul(V::to_float(V::widen(src + k, is_signed)), s));
    ScalarRows::dequantize(src + k, dst + k, n - k, scale, is_signed);
  }
};

}  // namespace rnc::kern::RNC_QSIMD_NS
