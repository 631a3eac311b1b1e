// Register blocking of an int8 convolution (qconv_blocked, runtime/kernels/qconv.hpp): the rule of
// choose_conv_blocking (conv_blocking.hpp) within a smaller register budget, and never passes
// (QConvCfg has no ic_chunk: an int8 output cannot hold partial sums), so tiles are judged by
// the weights they walk through without passes.
//
// Measured on Zen 4 with bench/bench_qconv.cpp (3x3, 64 channels, 1 thread, % of the vpdpbusd
// peak): tiles of 12-20 accumulators run at 94-97%, 24 at 82-84%, 28 at ~60%. `vpdpbusd`
// accumulates in place, and from ~24 accumulators on GCC spills them around every step, where
// the FMA kernels (three-operand fmadd) keep 28 in registers. Hence a budget of 24 registers
// (accumulators + oc_blocks weight registers + 1 broadcast), which keeps tiles at <= 22
// accumulators. Within it the float rule picks 7 pixels x 2 blocks for every layer of
// ResNet-18/50 (95-99% on the 3x3 layers; oc_blocks 4 measured 47-77%). The same tiles with
// vpmaddubsw (avx512 without VNNI) run at 93-96% of its peak.
//
// AVX2 (8 lanes, 16 ymm registers: VectorIsa{8, 16}): the float rule within 14 registers, which
// leaves the product and the ones of vpmaddubsw (qconv_avx2.hpp: A + B + 3 <= 16; vpdpbusd needs
// fewer). ResNet layers get 4 px x 2 blocks on 56- and 28-wide maps, 2 px x 2 rows x 2 blocks on
// 14, 7 px x 1 block on 7. Measured with bench_qconv_avx2 (Zen 4, 1 thread, % of the vpmaddubsw +
// vpmaddwd + vpaddd peak, ~232 GOP/s): 3x3 92-97%, 1x1 80-97% (the 1x1 expansions of 56 and 28,
// 64 -> 256 channels, the lowest); every alternative on 56x56 within 2% (8 x 1, 2 x 2 x 2,
// 2 x 1 x 4, 7 x 1, 1 x 4 x 2). 2 px x 4 blocks (the float rule's pick on 14x14 when it counts
// on passes) matches 2 x 2 x 2 on 3x3 layers, but is 14% slower on 1x1 layers of 1024 input
// channels, whose 4-block weights no longer fit L1.
#pragma once

#include "codegen/conv_blocking.hpp"

namespace rnc {

inline constexpr int kQConvRegisters = 24;

// Registers of a tile with vpmaddubsw (qconv_simd.hpp MaddubsDot): accumulators, the oc_blocks
// weight vectors, the broadcast input, one product and the ones of vpmaddwd.
constexpr int qconv_maddubs_registers(const ConvBlocking& b) {
  return b.ow_block * b.oh_block * b.oc_blocks + b.oc_blocks + 3;
}

// ic_chunk is always 0. shape.nchw_input must be false (no int8 stem kernel).
ConvBlocking choose_qconv_blocking(const ConvShape& shape, const VectorIsa& isa = {});

}  // namespace rnc
