// AVX-512 direct convolution: the register-blocked kernels of conv_simd.hpp on zmm registers,
// one 16-channel block (NCHW16c) per register, 32 registers.
//
// Included by conv_direct.hpp when compiling with AVX-512; a test may include it directly inside
// a `#pragma GCC target` region.
#pragma once

#include "conv_simd.hpp"
#include "vec_avx512.hpp"

namespace rnc::kern {

template <ConvCfg C>
void conv_blocked_avx512(const Args& a, int part, int parts) {
  simd::conv_blocked<Zmm, C>(a, part, parts);
}

template <ConvCfg C>
void conv_nchw_in_avx512(const Args& a, int part, int parts) {
  simd::conv_nchw_in<Zmm, C>(a, part, parts);
}

}  // namespace rnc::kern
