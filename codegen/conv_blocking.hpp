// Register blocking of a direct convolution: how many output pixels (ow_block along a row times
// oh_block rows) and how many output channel blocks (oc_blocks) one register tile of
// conv_blocked / conv_nchw_in holds. The choice is made once per layer at codegen time, for the
// target's vector unit (VectorIsa: one register holds the `lanes` channels of a block of a
// pixel; AVX-512 16 lanes and 32 registers, AVX2 8 lanes and 16 registers).
//
// The rule (tuned on Zen 5 with tools/bench_conv.cpp, with AVX-512). A tile of P = ow_block * oh_block pixels and B =
// oc_blocks blocks keeps A = P * B accumulators; each reduction step loads B weight vectors, broadcasts P inputs and
// issues A FMAs. Candidates are the blockings without tails: ow_block divides the output width, oh_block the height,
// oc_blocks the output blocks; and they fit the register file: A + B + 1 <= 32 (accumulators, weight vectors, one
// broadcast; 16 with AVX2). Each gets the estimated cycles of one step,
//   max(A / 2             two FMA pipes,
//       (P + B) / 2       two vector loads per cycle (a broadcast is a load),
//       64 B / bandwidth  weights of a step streamed from L2, or from L3 when the weights a tile
//                         walks through exceed the L2 budget (not when chunked, see below),
//       7                 FMA latency plus slack: a tile needs >= 14 accumulators to hide it
//                         (4 with AVX2: 8 ymm accumulators measured as fast as more, and the
//                         extra broadcasts of wider tiles cost more than they hide)),
// and its efficiency is A / 2 over that, times the load balance of the work items over two
// threads. The most efficient candidate wins. Near ties (within 2%) go to what measured faster:
// fewer rows per tile, then oc_blocks nearest 2 (7x2 and 8x2 tiles beat 4x4 and 2x8 by 10-20%
// and 14x1 by ~10%), then fewer accumulators (7x2 matches or beats 14x2), then more pixels. All
// seed layers get 7 pixels x 2 blocks (14 accumulators), 190-215 GFLOP/s on one core.
//
// The reduction is split into passes (ic_chunk input blocks each, over all output rows of a
// group of oc_blocks, partial sums kept in the output) for layers with more than 64 KiB of
// weights. Inside a network the weights come from memory (ResNet-18 has 44 MiB); without passes
// a group's weights arrive in a burst during its first row and, beyond L2, again every row. The
// weights of a pass (<= 20 KiB) stay in L1 while every row uses them, and the kernel prefetches
// the next pass's meanwhile: with cold caches (bench with BENCH_COLD=1) the 7x7 layers gain
// ~50%, the 1x1 projections 10-30%, the 14x14 and 28x28 layers 2-10%; with warm caches passes
// cost nothing measurable. Passes make work items of whole groups, so they need >= 4 groups.
//
// Awkward shapes fall out of the same rule: a prime width like 23 gets one 23-pixel row of one
// block; 7x7 maps get 7 pixels x 2 blocks (4 blocks would need 33 registers); 3x3 maps block all
// 3 rows; a prime width with a composite height (67 wide, 66 high) gets columns of 11 pixels.
// Only maps prime both ways and wider than 28 are left with poor 1-pixel tiles (no tails).
//
// Grouped convolutions run on the same kernel with an input-block offset per group, so the groups
// the kernel sees must hold whole blocks of input and output channels. kernel_groups() merges
// narrower groups (ResNeXt-50 32x4d: 4 channels per group in layer1, 8 in layer2) into groups of
// whole blocks whose weights are block-diagonal (zero outside each real group, packed once):
// the kernel then runs at full speed and wastes lanes / (channels per group) of the MACs of
// those layers only (2-4x on two small layers, ~5% of ResNeXt-50's MACs), where a kernel for
// narrow groups would leave most of each vector register idle instead. Depthwise convolutions
// (1 channel per group) get the same treatment and waste 16x: correct, not fast.
#pragma once

#include <cstdint>

#include "codegen/program.hpp"

namespace rnc {

struct ConvShape {
  std::int64_t n = 1;            // images
  std::int64_t in_channels = 1;  // input channels (reduction: rounded up to blocks unless nchw_input)
  std::int64_t out_channels = 1;
  std::int64_t out_h = 1, out_w = 1;
  std::int64_t kernel = 1;
  bool nchw_input = false;  // the stem kernel (conv_nchw_in): channels read one by one
  std::int64_t groups = 1;  // channel groups of whole blocks (kernel_groups), each its own reduction
  bool passes = true;       // the kernel can split the reduction into passes (ic_chunk; not int8)
};

struct ConvBlocking {
  int ow_block = 1;       // divides out_w
  int oh_block = 1;       // divides out_h
  int oc_blocks = 1;      // divides ceil(out_channels / lanes)
  int ic_chunk = 0;       // input blocks per pass over all rows; 0: the whole reduction per tile
  double efficiency = 0;  // estimated fraction of FMA peak (for comments and tests)
};

ConvBlocking choose_conv_blocking(const ConvShape& shape, const VectorIsa& isa = {});

// The channel groups a conv_blocked kernel runs for a convolution with `groups` groups: the largest
// divisor of `groups` whose groups hold whole blocks of `lanes` input and output channels (1 when
// none does, or for the stem's plain NCHW input). Each kernel group merges groups / result real
// groups, its weights zero between them (pack_weights.hpp, expand_groups).
constexpr std::int64_t kernel_groups(std::int64_t groups, std::int64_t in_channels, std::int64_t out_channels,
                                     int lanes, bool nchw_input = false) {
  if (nchw_input) return 1;
  for (std::int64_t g = groups; g > 1; --g)
    if (groups % g == 0 && in_channels % (g * lanes) == 0 && out_channels % (g * lanes) == 0) return g;
  return 1;
}

}  // namespace rnc
