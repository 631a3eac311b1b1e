// Shared by the direct convolution kernel tests (test_conv_kernels.cpp: 16 lanes, portable and
// AVX-512; test_conv_kernels_avx2.cpp: 8 lanes, portable and AVX2): a layer description, random
// data, a naive convolution in double over the logical tensors, and the checks every kernel must
// pass (within 1e-5 of max |output| of the naive loop, zero halo and padding channels, the same
// bits for 1, 2 and 3 parts). Weights go through the real packer (codegen/pack_weights.cpp), grouped
// ones through the real choice of kernel groups (codegen/conv_blocking.hpp) and expand_groups.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "codegen/conv_blocking.hpp"
#include "codegen/pack_weights.hpp"
#include "kernels/conv_direct.hpp"

namespace conv_test {

using rnc::kern::Args;
using rnc::kern::Blocked;
using rnc::kern::ConvCfg;

struct Layer {
  int n, ic, oc, h, w;  // input shape [n, ic, h, w]
  int kernel, stride, padding;
  int in_pad, out_pad, res_pad;  // halos of the input, output and residual tensors
  int ow_block, oh_block, oc_blocks, ic_chunk;
  bool residual, relu;
  int lanes = 16;  // channels per block of the blocked tensors
  int groups = 1;  // channel groups of the convolution (the kernel runs kernel_groups of them)
};

constexpr int kernel_groups(const Layer& l) {
  return static_cast<int>(rnc::kernel_groups(l.groups, l.ic, l.oc, l.lanes));
}

constexpr int out_size(int size, int k, int s, int p) { return (size + 2 * p - k) / s + 1; }

constexpr ConvCfg cfg(Layer l) {
  const int oh = out_size(l.h, l.kernel, l.stride, l.padding), ow = out_size(l.w, l.kernel, l.stride, l.padding);
  return ConvCfg{.in = {l.n, l.ic, l.h, l.w, l.in_pad, l.lanes},
                 .out = {l.n, l.oc, oh, ow, l.out_pad, l.lanes},
                 .res = {l.n, l.oc, oh, ow, l.res_pad, l.lanes},
                 .kernel = l.kernel,
                 .stride = l.stride,
                 .padding = l.padding,
                 .ow_block = l.ow_block,
                 .oh_block = l.oh_block,
                 .oc_blocks = l.oc_blocks,
                 .ic_chunk = l.ic_chunk,
                 .groups = kernel_groups(l),
                 .residual = l.residual,
                 .relu = l.relu};
}

inline std::vector<float> random_values(std::size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = d(rng);
  return v;
}

// A logical [n][c][h][w] tensor stored blocked with a zero halo and zero padding channels.
inline std::vector<float> to_blocked(const std::vector<float>& t, const Blocked& g) {
  std::vector<float> out(static_cast<std::size_t>(g.floats()), 0.0f);
  for (int i = 0; i < g.n; ++i)
    for (int c = 0; c < g.c; ++c)
      for (int y = 0; y < g.h; ++y)
        for (int x = 0; x < g.w; ++x)
          out[static_cast<std::size_t>(g.at(i, c / g.lanes, y, x) + c % g.lanes)] =
              t[static_cast<std::size_t>(((i * g.c + c) * g.h + y) * g.w + x)];
  return out;
}

// ... stored as plain NCHW with a zero halo of g.pad (the stem's input).
inline std::vector<float> to_padded_nchw(const std::vector<float>& t, const Blocked& g) {
  std::vector<float> out(static_cast<std::size_t>(g.n) * g.c * g.hp() * g.wp(), 0.0f);
  for (int i = 0; i < g.n; ++i)
    for (int c = 0; c < g.c; ++c)
      for (int y = 0; y < g.h; ++y)
        for (int x = 0; x < g.w; ++x)
          out[static_cast<std::size_t>(((i * g.c + c) * g.hp() + y + g.pad) * g.wp() + x + g.pad)] =
              t[static_cast<std::size_t>(((i * g.c + c) * g.h + y) * g.w + x)];
  return out;
}

// The convolution in double from the logical tensors, stored blocked like the kernels' output;
// w is [oc][ic / groups][k][k].
inline std::vector<double> naive(const ConvCfg& C, int groups, const std::vector<float>& in, const rnc::Tensor& w,
                                 const std::vector<float>& bias, const std::vector<float>& res) {
  const Blocked& o = C.out;
  const int ic_group = C.in.c / groups, oc_group = o.c / groups;
  std::vector<double> out(static_cast<std::size_t>(o.floats()), 0.0);
  for (int i = 0; i < o.n; ++i)
    for (int oc = 0; oc < o.c; ++oc)
      for (int y = 0; y < o.h; ++y)
        for (int x = 0; x < o.w; ++x) {
          double sum = bias[static_cast<std::size_t>(oc)];
          const int first_ic = oc / oc_group * ic_group;
          for (int ic = 0; ic < ic_group; ++ic)
            for (int kh = 0; kh < C.kernel; ++kh)
              for (int kw = 0; kw < C.kernel; ++kw) {
                const int iy = y * C.stride - C.padding + kh, ix = x * C.stride - C.padding + kw;
                if (iy < 0 || iy >= C.in.h || ix < 0 || ix >= C.in.w) continue;
                const auto x = static_cast<std::size_t>(((i * C.in.c + first_ic + ic) * C.in.h + iy) * C.in.w + ix);
                sum += double(in[x]) * w.at4(oc, ic, kh, kw);
              }
          if (C.residual) sum += res[static_cast<std::size_t>(((i * o.c + oc) * o.h + y) * o.w + x)];
          if (C.relu) sum = std::max(sum, 0.0);
          out[static_cast<std::size_t>(o.at(i, oc / o.lanes, y, x) + oc % o.lanes)] = sum;
        }
  return out;
}

using Kernel = void (*)(const Args&, int, int);

// Runs `kernel` split into `parts` (parts run one after the other) on an output full of NaN.
inline std::vector<float> run(Kernel kernel, Args a, std::int64_t out_floats, int parts) {
  std::vector<float> out(static_cast<std::size_t>(out_floats), std::nanf(""));
  a.out = out.data();
  for (int part = 0; part < parts; ++part) kernel(a, part, parts);
  return out;
}

// Largest |got - want| relative to max |want| (halo and padding channels included: want is 0 there).
inline double relative_error(const std::vector<float>& got, const std::vector<double>& want) {
  double max_want = 0, max_diff = 0;
  for (std::size_t k = 0; k < want.size(); ++k) {
    max_want = std::max(max_want, std::fabs(want[k]));
    const double diff = std::fabs(double(got[k]) - want[k]);
    max_diff = std::isnan(diff) ? INFINITY : std::max(max_diff, diff);
  }
  return max_diff / std::max(max_want, 1e-30);
}

// The kernel matches the naive loop and gives the same bits for 1, 2 and 3 parts.
inline void check_kernel(const char* which, Kernel kernel, const Args& a, std::int64_t out_floats,
                         const std::vector<double>& want) {
  INFO("kernel " << which);
  const std::vector<float> one = run(kernel, a, out_floats, 1);
  CHECK(relative_error(one, want) <= 1e-5);
  for (int parts : {2, 3}) {
    INFO("parts " << parts);
    const std::vector<float> split = run(kernel, a, out_floats, parts);
    CHECK(std::memcmp(one.data(), split.data(), one.size() * sizeof(float)) == 0);
  }
}

// Checks the portable kernel of layer L, then calls `intrinsics(a, out_floats, want)` to check
// the intrinsics kernels a test file was built with. kStem: conv_nchw_in (plain NCHW input), else
// conv_blocked.
template <Layer L, bool kStem, class Intrinsics>
void check_layer(Intrinsics&& intrinsics) {
  constexpr ConvCfg C = cfg(L);
  std::mt19937 rng(L.n * 1000003 + L.ic * 10007 + L.oc * 101 + L.h * 31 + L.w + L.kernel * 7 + L.oc_blocks);
  const std::vector<float> in = random_values(static_cast<std::size_t>(L.n) * L.ic * L.h * L.w, rng);
  rnc::Tensor w(rnc::Shape{L.oc, L.ic / L.groups, L.kernel, L.kernel});
  w.data = random_values(w.data.size(), rng);
  const std::vector<float> bias = random_values(static_cast<std::size_t>(L.oc), rng);
  const std::vector<float> res = random_values(static_cast<std::size_t>(C.res.n) * C.res.c * C.res.h * C.res.w, rng);

  const std::vector<float> in_stored = kStem ? to_padded_nchw(in, C.in) : to_blocked(in, C.in);
  const std::vector<float> res_stored = to_blocked(res, C.res);
  const rnc::Tensor w_kernel = rnc::expand_groups(w, L.groups, C.groups);
  const std::vector<float> w_packed = kStem ? rnc::pack_conv_nchw_in(w_kernel, L.oc_blocks, L.lanes)
                                            : rnc::pack_conv_blocked(w_kernel, L.oc_blocks, L.lanes);
  rnc::Tensor b(rnc::Shape{L.oc});
  b.data = bias;
  const std::vector<float> b_packed = rnc::pack_channels(&b, L.oc, L.lanes);
  const Args a{.in0 = in_stored.data(),
               .in1 = L.residual ? res_stored.data() : nullptr,
               .w0 = w_packed.data(),
               .w1 = b_packed.data()};
  const std::vector<double> want = naive(C, L.groups, in, w, bias, res);

  if constexpr (kStem) check_kernel("generic", rnc::kern::conv_nchw_in_generic<C>, a, C.out.floats(), want);
  else check_kernel("generic", rnc::kern::conv_blocked_generic<C>, a, C.out.floats(), want);
  intrinsics(a, C.out.floats(), want);
}

}  // namespace conv_test
