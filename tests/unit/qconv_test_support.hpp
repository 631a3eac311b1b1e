// Shared by the int8 convolution kernel tests (test_qconv.cpp: qconv_blocked on every target's
// dot product; test_qwinograd.cpp: the int8 Winograd kernel): random int8 tensors, a random
// quantized layer whose outputs spread over the whole int8 range, and the logical -> blocked
// byte layout the kernels read.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "codegen/quant_layer.hpp"
#include "kernels/common.hpp"

namespace qconv_test {

inline int uniform(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Values in [lo, hi] when lo <= hi, else over the whole s8 or u8 range.
inline rnc::QTensor random_qtensor(rnc::Shape shape, bool is_signed, std::mt19937& rng, int lo = 1, int hi = 0) {
  rnc::QTensor t{shape, std::vector<std::int32_t>(static_cast<std::size_t>(rnc::numel(shape))), 0.05f, is_signed};
  for (std::int32_t& v : t.data)
    v = lo <= hi ? uniform(rng, lo, hi) : is_signed ? uniform(rng, -128, 127) : uniform(rng, 0, 255);
  return t;
}

struct LayerShape {
  std::int64_t oc, ic, kernel, stride = 1, padding = 0;
  bool residual = false, relu = false, res_signed = false;
};

// Random weights in [-weight_max - 1, weight_max] (s8: 127; the 7-bit weights of targets without
// VNNI: 63, the quantizer's bound), or all `weight` when nonzero, and a bias and multipliers
// scaled to the reduction so that outputs spread over the whole int8 range and some saturate
// (typical |acc| ~ sqrt(reduction) * 147 (rms of u8) * 74 (of s8) * weight_max / 127).
inline rnc::QConvLayer random_layer(const LayerShape& s, int weight_max, std::mt19937& rng, int weight = 0) {
  rnc::QConvLayer q;
  q.out_channels = s.oc, q.in_channels = s.ic, q.kernel = s.kernel, q.stride = s.stride, q.padding = s.padding;
  q.weight.resize(static_cast<std::size_t>(s.oc * s.ic * s.kernel * s.kernel));
  const int w_lo = weight_max == 127 ? -128 : -weight_max;
  for (std::int8_t& w : q.weight) w = static_cast<std::int8_t>(weight != 0 ? weight : uniform(rng, w_lo, weight_max));
  const double acc_scale = std::sqrt(double(s.ic) * s.kernel * s.kernel) * 147 * 74 * weight_max / 127;
  std::uniform_real_distribution<double> unit(-1, 1);
  for (std::int64_t oc = 0; oc < s.oc; ++oc) {
    q.bias.push_back(static_cast<std::int32_t>(acc_scale * unit(rng)));
    q.mult.push_back(static_cast<float>(100 / acc_scale * std::exp2(unit(rng))));
  }
  q.res_scale = static_cast<float>(0.9 + 0.6 * unit(rng));
  q.residual = s.residual, q.relu = s.relu, q.res_signed = s.res_signed;
  return q;
}

// A logical NCHW int8 tensor as blocked bytes (zero halo and padding channels), in float storage
// like the arena's.
inline std::vector<float> to_blocked(const rnc::QTensor& t, const rnc::kern::Blocked& g) {
  std::vector<float> storage(static_cast<std::size_t>((g.floats() + 3) / 4), 0.0f);
  auto* bytes = reinterpret_cast<std::uint8_t*>(storage.data());
  for (int i = 0; i < g.n; ++i)
    for (int c = 0; c < g.c; ++c)
      for (int y = 0; y < g.h; ++y)
        for (int x = 0; x < g.w; ++x)
          bytes[g.at(i, c / g.lanes, y, x) + c % g.lanes] =
              static_cast<std::uint8_t>(t.data[static_cast<std::size_t>(((i * g.c + c) * g.h + y) * g.w + x)]);
  return storage;
}

}  // namespace qconv_test
