// Register blocking of an int8 convolution (qconv_blocked, runtime/kernels/qconv.hpp): the rule of
// choose_conv_blocking (conv_blocking.hpp) within a smaller register budget, and never passes
// (QConvCfg has no ic_chunk: an int8 output cannot hold partial sums).
//
// Measured on Zen 4 with bench/bench_qconv.cpp (3x3, 64 channels, 1 thread, % of the vpdpbusd
// peak): tiles of 12-20 accumulators run at 94-97%, 24 at 82-84%, 28 at ~60%. `vpdpbusd`
// accumulates in place, and from ~24 accumulators on GCC spills them around every step, where
// the FMA kernels (three-operand fmadd) keep 28 in registers. Hence a budget of 24 registers
// (accumulators + oc_blocks weight registers + 1 broadcast), which keeps tiles at <= 22
// accumulators. Within it the float rule picks 7 pixels x 2 blocks for every layer of
// ResNet-18/50 (95-99% on the 3x3 layers; oc_blocks 4 measured 47-77%).
//
// AVX2 (8 lanes, 16 ymm registers: VectorIsa{8, 16}): the float rule within 16 registers, A + B +
// 1 <= 16, and within the exact vpmaddwd emulation's registers (qconv_avx2.hpp: 2 per weight
// vector, 2 input halves, 1 temporary: A + 2B + 3 <= 16; vpdpbusd needs fewer). ResNet layers
// get 4 px x 2 blocks on 56- and 28-wide maps, 2 px x 2 rows x 2 blocks on 14, 7 px x 1 block on
// 7. Measured with bench_qconv_avx2 (Zen 4, 1 thread, GOP/s; vpmaddwd + vpaddd peak ~180): 3x3
// 137-157, 1x1 134-157; alternatives within 5% on 56x56 (7 x 2 157, 2 x 2 x 2 154, 8 x 1 146,
// 14 x 1 140), but 2 px x 4 blocks (what the float rule alone picks on 14x14 with 256
// channels: A + 2B + 3 = 19) 127 against 149 for 2 x 2 x 2.
#pragma once

#include "codegen/conv_blocking.hpp"

namespace rnc {

inline constexpr int kQConvRegisters = 24;

// Registers of a tile with the exact vpmaddwd emulation of vpdpbusd (qconv_simd.hpp EmulatedDot):
// accumulators, even and odd halves of the oc_blocks weight vectors, of the broadcast input, and
// one product.
constexpr int qconv_emulation_registers(const ConvBlocking& b) {
  return b.ow_block * b.oh_block * b.oc_blocks + 2 * b.oc_blocks + 3;
}

// ic_chunk is always 0. shape.nchw_input must be false (no int8 stem kernel).
ConvBlocking choose_qconv_blocking(const ConvShape& shape, const VectorIsa& isa = {});

}  // namespace rnc
