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
// and stores kLanes bytes per register. D is VnniDot (`vpdpbusd`) or MaddubsDot (`vpmaddubsw` +
// `vpmaddwd` + `vpaddd`, exact with the 7-bit weights of targets without VNNI).
//
// V provides: I (int32 register), F (float register), kLanes; load (kLanes int32 or 4 * kLanes
// bytes), broadcast4 (4 bytes to every int32 lane); for VnniDot dpbusd; for MaddubsDot maddubs
// (`vpmaddubsw`), madd16 (`vpmaddwd`), ones16 (every int16 lane 1) and add32; for the epilogue
// and the row converters loadf, storef, set1f, to_float, mul, fmadd(a, b, c) = a * b + c, max,
// min (operand order of the x86 instructions: NaN in the first operand gives the second), round
// (to int32, nearest even), widen (kLanes u8 or s8 to int32) and narrow (kLanes int32 in
// [-128, 255] to their low bytes).
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

#include "conv_simd.hpp"
#include "qconv.hpp"

namespace rnc::kern::RNC_QSIMD_NS {

// The 4-byte dot product of a step, D::dot(acc, x, w) = acc + sum over the 4 bytes of each int32
// lane of u8 x[b] * s8 w[b], with x the 4 input bytes of one pixel broadcast to every lane.
template <class Vec>
struct VnniDot {
  using V = Vec;
  [[gnu::always_inline]] static typename V::I dot(typename V::I acc, typename V::I x, typename V::I w) {
    return V::dpbusd(acc, x, w);
  }
};

// Without VNNI: `vpmaddubsw` (u8 x s8 pairs into saturating s16), `vpmaddwd` with ones (s16
// pairs into s32), `vpaddd`. Exact for weights in [-63, 63], which these targets quantize to
// (Target::int8_weight_max): a pair of products is at most 2 * 255 * 63 = 32130 < 32767.
template <class Vec>
struct MaddubsDot {
  using V = Vec;
  // The empty asm keeps each accumulator's sum a chain: integer adds reassociate, and GCC would
  // otherwise sum the products of several steps as a tree, computing (and spilling) them first.
  [[gnu::always_inline]] static typename V::I dot(typename V::I acc, typename V::I x, typename V::I w) {
    typename V::I sum = V::add32(acc, V::madd16(V::maddubs(x, w), V::ones16()));
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

// One reduction step: acc[p][k] = D::dot(acc[p][k], x(p), w[k]) for all pixels p and output
// blocks k of the tile, x(p) the input at x + row * kRowStride + col * kColStride.
template <class D, QConvCfg C, std::int64_t kRowStride, std::int64_t kColStride>
[[gnu::always_inline]] inline void dot_step(Tile<typename D::V, C>& acc, const std::uint8_t* x, const std::int8_t* w) {
  using V = typename D::V;
  typename V::I wv[C.oc_blocks];
#pragma GCC unroll 32
  for (int k = 0; k < C.oc_blocks; ++k) wv[k] = V::load(w + k * 4 * V::kLanes);
#pragma GCC unroll 32
  for (int p = 0; p < C.oh_block * C.ow_block; ++p) {
    const typename V::I xb = V::broadcast4(x + p / C.ow_block * kRowStride + p % C.ow_block * kColStride);
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
  constexpr std::int64_t kRowBytes = static_cast<std::int64_t>(C.in.wp()) * L;
  const std::uint8_t* in = u8_ptr(a.in0);
  const std::int8_t* weights = s8_ptr(a.w0);
  for_each_conv_item<kQConvShape<C>>(u8_ptr(a.out), part, parts, [&](int i, int ob0, int oy0) {
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
          const std::uint8_t* x = in + C.in.at(i, ib, oy0 * S - C.padding + kh, ox0 * S - C.padding);
          const std::int8_t* w = weights + qconv_weight_offset<C>(ob0, ib, kh, 0);
          for (int kw = 0; kw < K; ++kw) {
            for (int l = 0; l < kQPrefetchPerTap<C>; ++l, prefetch += 64)
              _mm_prefetch(reinterpret_cast<const char*>(prefetch), _MM_HINT_T0);
            const std::uint8_t* xk = opaque(x + kw * L);
#pragma GCC unroll 4
            for (int g = 0; g < L / 4; ++g)
              dot_step<D, C, S * kRowBytes, S * L>(acc, xk + 4 * g, w + kw * kQTapBytes<C> + g * kQStepBytes<C>);
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
