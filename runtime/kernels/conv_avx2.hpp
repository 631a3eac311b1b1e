// AVX2 + FMA direct convolution: the register-blocked kernels of conv_simd.hpp on ymm registers,
// one 8-channel block (NCHW8c) per register, 16 registers (codegen/conv_blocking.cpp sizes the
// tiles for them).
//
// Included by conv_direct.hpp when compiling with AVX2 and FMA; a test may include it directly
// inside a `#pragma GCC target` region.
#pragma once

#include "conv_simd.hpp"
#include "vec_avx2.hpp"

namespace rnc::kern {

template <ConvCfg C>
void conv_blocked_avx2(const Args& a, int part, int parts) {
  simd::conv_blocked<Ymm, C>(a, part, parts);
}

template <ConvCfg C>
void conv_nchw_in_avx2(const Args& a, int part, int parts) {
  simd::conv_nchw_in<Ymm, C>(a, part, parts);
}

}  // namespace rnc::kern
