// Direct convolution kernels: blocked input -> blocked output (conv_blocked), and plain NCHW
// input (the stem: few input channels) -> blocked output (conv_nchw_in). Epilogue (bias,
// residual add, ReLU) is applied while the block of results is still in registers.
//
// Two implementations share the configuration, the weight layouts and the split of the work:
// the register-blocked intrinsics kernels of conv_simd.hpp, chosen at compile time when the layer
// code is built for the vector unit whose register holds one channel block (AVX-512 for 16 lanes,
// conv_avx512.hpp; AVX2 + FMA for 8 lanes, conv_avx2.hpp), and the portable C++ kernels below
// (written so that compilers vectorize the L output-channel lanes), used otherwise. Generated
// code calls conv_blocked / conv_nchw_in and stays target-independent; the lanes L come from
// the output geometry (C.out.lanes).
//
// Weights (codegen/pack_weights.cpp): the oc_blocks output blocks of a register block are
// adjacent, so one reduction step reads one contiguous run of oc_blocks x L floats:
//   conv_blocked  [OCB / oc_blocks][ICB / groups][K][K][L ic][oc_blocks][L oc]
//   conv_nchw_in  [OCB / oc_blocks][IC][K][K][oc_blocks][L oc]
// Bias: [OCB * L].
//
// Grouped convolution (conv_blocked): with `groups` G the input and output blocks are split into
// G equal groups and output block ob reads only the ICB / G input blocks of its group, starting at
// block group_in_block0<C>(ob); a register tile never straddles two groups. Groups narrower than
// a block are merged by the packer into groups of whole blocks with block-diagonal weights
// (codegen/conv_blocking.hpp, kernel_groups), so the kernel only sees groups of whole blocks.
#pragma once

#include "common.hpp"

namespace rnc::kern {

struct ConvCfg {
  Blocked in;  // for conv_nchw_in: in.c channels of a plain NCHW tensor with halo in.pad
  Blocked out;
  Blocked res;  // residual operand geometry (used when residual)
  int kernel, stride, padding;
  int ow_block;       // output pixels of a row per register block; divides out.w
  int oh_block = 1;   // output rows per register block; divides out.h
  int oc_blocks = 1;  // output channel blocks per register block; divides out.cb()
  int ic_chunk = 0;   // conv_blocked: input blocks per pass over all rows (0: whole reduction at once)
  int groups = 1;     // conv_blocked: channel groups of whole blocks; divides in.cb() and out.cb()
  bool residual = false, relu = false;
};

// Channels per block of the layer: the output's lanes (a blocked input and the residual share them).
template <ConvCfg C>
inline constexpr int kConvLanes = C.out.lanes;

// Input blocks one output block reads (its group's), and the first of them for output block ob.
template <ConvCfg C>
inline constexpr int kGroupInBlocks = C.in.cb() / C.groups;
template <ConvCfg C>
constexpr int group_in_block0(int ob) {
  return ob / (C.out.cb() / C.groups) * kGroupInBlocks<C>;
}

// True when the reduction runs in passes of ic_chunk input blocks, each over all output rows of
// a work item, with the partial sums waiting in the output: the weights of one pass stay in L1
// while every row uses them, instead of streaming all weights once per row from L2 or memory.
// The sums are the same float operations in the same order, so results do not change.
template <ConvCfg C>
constexpr bool chunked() {
  return C.ic_chunk > 0 && C.ic_chunk < kGroupInBlocks<C>;
}

// Output rows of one work item: one register block's rows, or all rows when chunked.
template <ConvCfg C>
constexpr int item_rows() {
  return chunked<C>() ? C.out.h : C.oh_block;
}

// The work of a convolution is a list of items (image, group of oc_blocks output blocks, group
// of item_rows output rows), row groups fastest, split evenly over the parts. `body(i, ob0, oy0)`
// computes one item; the output halo of its rows is zeroed here. Both implementations split the
// same way and compute an item the same way whatever the split, so results never depend on the
// thread count. E: the output's element type (float; a byte for the int8 kernels of qconv.hpp).
template <ConvCfg C, class E, class Body>
inline void for_each_conv_item(E* out, int part, int parts, Body&& body) {
  static_assert(C.out.w % C.ow_block == 0, "ow_block must divide the output width");
  static_assert(C.out.h % C.oh_block == 0, "oh_block must divide the output height");
  static_assert(C.groups >= 1 && C.in.cb() % C.groups == 0 && C.out.cb() % C.groups == 0,
                "groups must divide the input and output channel blocks");
  static_assert(C.out.cb() / C.groups % C.oc_blocks == 0, "oc_blocks must divide the output blocks of a group");
  static_assert(!chunked<C>() || kGroupInBlocks<C> % C.ic_chunk == 0,
                "ic_chunk must divide the input channel blocks of a group");
  static_assert(!C.residual || C.res.lanes == C.out.lanes, "the residual shares the output's channel blocking");
  constexpr int rows = item_rows<C>(), row_groups = C.out.h / rows, oc_groups = C.out.cb() / C.oc_blocks;
  const Range items = split(C.out.n * oc_groups * row_groups, part, parts);
  for (int r = items.begin; r < items.end; ++r) {
    const int oy0 = r % row_groups * rows, ob0 = r / row_groups % oc_groups * C.oc_blocks;
    const int i = r / (row_groups * oc_groups);
    for (int b = ob0; b < ob0 + C.oc_blocks; ++b)
      for (int y = oy0; y < oy0 + rows; ++y) zero_halo_row<C.out>(out, i, b, y);
    body(i, ob0, oy0);
  }
}

// --- portable kernels ----------------------------------------------------------------------------

// One row of ow_block pixels of one output block: L lanes each.
template <ConvCfg C>
using RowAcc = float[C.ow_block][kConvLanes<C>];

// One row of ow_block pixels of output block ob starts at the bias of its channels.
template <ConvCfg C>
inline void conv_init(RowAcc<C>& acc, const Args& a, int ob) {
  constexpr int L = kConvLanes<C>;
  for (int j = 0; j < C.ow_block; ++j)
    for (int l = 0; l < L; ++l) acc[j][l] = a.w1[ob * L + l];
}

// Epilogue and store of one row of ow_block pixels of output block ob.
template <ConvCfg C>
inline void conv_epilogue(RowAcc<C>& acc, const Args& a, int i, int ob, int oy, int ox0) {
  constexpr int L = kConvLanes<C>;
  float* dst = a.out + C.out.at(i, ob, oy, ox0);
  const float* res = C.residual ? a.in1 + C.res.at(i, ob, oy, ox0) : nullptr;
  for (int j = 0; j < C.ow_block; ++j)
    for (int l = 0; l < L; ++l) {
      float v = acc[j][l];
      if constexpr (C.residual) v += res[j * L + l];
      if constexpr (C.relu) v = v > 0.0f ? v : 0.0f;
      dst[j * L + l] = v;
    }
}

// The portable kernels take the work items of for_each_conv_item but compute one row of ow_block
// pixels of one output block at a time, always with the whole reduction (ic_chunk only shapes
// the items); the sums run in the same order as in the intrinsics kernels.
template <ConvCfg C>
void conv_blocked_generic(const Args& a, int part, int parts) {
  static_assert(C.in.pad >= C.padding, "input halo must cover the convolution padding");
  static_assert(C.in.lanes == C.out.lanes, "input and output share the channel blocking");
  constexpr int icb = kGroupInBlocks<C>, K = C.kernel, S = C.stride, L = kConvLanes<C>;
  constexpr std::int64_t kTap = L * C.oc_blocks * L;  // weights of one (ic block, kh, kw)
  for_each_conv_item<C>(a.out, part, parts, [&](int i, int ob0, int oy0) {
    const int ib0 = group_in_block0<C>(ob0);
    for (int ob = ob0; ob < ob0 + C.oc_blocks; ++ob)
      for (int oy = oy0; oy < oy0 + item_rows<C>(); ++oy)
        for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
          RowAcc<C> acc;
          conv_init<C>(acc, a, ob);
          for (int ib = 0; ib < icb; ++ib)
            for (int kh = 0; kh < K; ++kh) {
              const float* src = a.in0 + C.in.at(i, ib0 + ib, oy * S - C.padding + kh, ox0 * S - C.padding);
              const float* wk = a.w0 +
                                (((static_cast<std::int64_t>(ob0 / C.oc_blocks) * icb + ib) * K + kh) * K) * kTap +
                                (ob - ob0) * L;
              for (int kw = 0; kw < K; ++kw)
                for (int c = 0; c < L; ++c) {
                  const float* wv = wk + (kw * L + c) * C.oc_blocks * L;
                  for (int j = 0; j < C.ow_block; ++j) {
                    const float x = src[(j * S + kw) * L + c];
                    for (int l = 0; l < L; ++l) acc[j][l] += x * wv[l];
                  }
                }
            }
          conv_epilogue<C>(acc, a, i, ob, oy, ox0);
        }
  });
}

// Input: plain NCHW with a zero halo of in.pad (staged from the model input).
template <ConvCfg C>
void conv_nchw_in_generic(const Args& a, int part, int parts) {
  static_assert(C.in.pad >= C.padding, "input halo must cover the convolution padding");
  static_assert(C.groups == 1, "the stem's grouped weights are packed dense (zeros outside the groups)");
  constexpr int K = C.kernel, S = C.stride, ic = C.in.c, L = kConvLanes<C>;
  constexpr int hp = C.in.hp(), wp = C.in.wp();
  constexpr std::int64_t kTap = C.oc_blocks * L;  // weights of one (input channel, kh, kw)
  for_each_conv_item<C>(a.out, part, parts, [&](int i, int ob0, int oy0) {
    for (int ob = ob0; ob < ob0 + C.oc_blocks; ++ob)
      for (int oy = oy0; oy < oy0 + item_rows<C>(); ++oy)
        for (int ox0 = 0; ox0 < C.out.w; ox0 += C.ow_block) {
          RowAcc<C> acc;
          conv_init<C>(acc, a, ob);
          for (int c = 0; c < ic; ++c)
            for (int kh = 0; kh < K; ++kh) {
              const int y = oy * S - C.padding + kh + C.in.pad;
              const float* src =
                  a.in0 + ((static_cast<std::int64_t>(i) * ic + c) * hp + y) * wp + ox0 * S - C.padding + C.in.pad;
              const float* wk =
                  a.w0 + ((static_cast<std::int64_t>(ob0 / C.oc_blocks) * ic + c) * K + kh) * K * kTap + (ob - ob0) * L;
              for (int kw = 0; kw < K; ++kw)
                for (int j = 0; j < C.ow_block; ++j) {
                  const float x = src[j * S + kw];
                  for (int l = 0; l < L; ++l) acc[j][l] += x * wk[kw * kTap + l];
                }
            }
          conv_epilogue<C>(acc, a, i, ob, oy, ox0);
        }
  });
}

}  // namespace rnc::kern

// --- dispatch ------------------------------------------------------------------------------------

// The intrinsics kernels the layer code's instruction set provides, each for the lanes of its
// register (conv_avx512.hpp: 16, conv_avx2.hpp: 8; an AVX-512 build has both).
#if defined(__AVX512F__)
#include "conv_avx512.hpp"
#endif
#if defined(__AVX2__) && defined(__FMA__)
#include "conv_avx2.hpp"
#endif

namespace rnc::kern {

#if defined(__AVX512F__)
inline constexpr bool kAvx512Kernels = true;
#else
inline constexpr bool kAvx512Kernels = false;
#endif
#if defined(__AVX2__) && defined(__FMA__)
inline constexpr bool kAvx2Kernels = true;
#else
inline constexpr bool kAvx2Kernels = false;
#endif

// Declared for the discarded branches below when this build has no such kernels.
template <ConvCfg C>
void conv_blocked_avx512(const Args& a, int part, int parts);
template <ConvCfg C>
void conv_nchw_in_avx512(const Args& a, int part, int parts);
template <ConvCfg C>
void conv_blocked_avx2(const Args& a, int part, int parts);
template <ConvCfg C>
void conv_nchw_in_avx2(const Args& a, int part, int parts);

template <ConvCfg C>
void conv_blocked(const Args& a, int part, int parts) {
  if constexpr (kAvx512Kernels && kConvLanes<C> == 16) conv_blocked_avx512<C>(a, part, parts);
  else if constexpr (kAvx2Kernels && kConvLanes<C> == 8) conv_blocked_avx2<C>(a, part, parts);
  else conv_blocked_generic<C>(a, part, parts);
}

template <ConvCfg C>
void conv_nchw_in(const Args& a, int part, int parts) {
  if constexpr (kAvx512Kernels && kConvLanes<C> == 16) conv_nchw_in_avx512<C>(a, part, parts);
  else if constexpr (kAvx2Kernels && kConvLanes<C> == 8) conv_nchw_in_avx2<C>(a, part, parts);
  else conv_nchw_in_generic<C>(a, part, parts);
}

}  // namespace rnc::kern
