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
#pragma once

#include "codegen/conv_blocking.hpp"

namespace rnc {

inline constexpr int kQConvRegisters = 24;

// ic_chunk is always 0. shape.nchw_input must be false (no int8 stem kernel).
ConvBlocking choose_qconv_blocking(const ConvShape& shape, const VectorIsa& isa = {});

}  // namespace rnc
