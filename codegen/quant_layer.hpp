// One quantized convolution in plain layouts: what codegen/quantize.cpp derives from the folded
// float weights and the calibrated scales, what the integer reference (codegen/int8_reference.cpp)
// computes with, and what codegen/pack_int8.cpp packs for the kernels (runtime/kernels/qconv.hpp).
// One source for all three, so the generated code and the reference cannot disagree on a value.
#pragma once

#include <cstdint>
#include <vector>

#include "dsl/ir/shape.hpp"

namespace rnc {

struct QConvLayer {
  std::int64_t out_channels = 0, in_channels = 0, kernel = 1, stride = 1, padding = 0;
  std::vector<std::int8_t> weight;  // [OC][IC][K][K], symmetric per output channel
  std::vector<std::int32_t> bias;   // [OC], in accumulator units (s_in * s_w[oc])
  std::vector<float> mult;          // [OC]: s_in * s_w[oc] / s_out
  float res_scale = 0;              // s_res / s_out, when residual
  bool residual = false, relu = false, res_signed = false;
};

// An int8 activation in plain NCHW: values of u8 (0..255) or s8 (-128..127), zero point 0.
struct QTensor {
  Shape shape;
  std::vector<std::int32_t> data;
  float scale = 1;  // real value = q * scale
  bool is_signed = false;
};

}  // namespace rnc
