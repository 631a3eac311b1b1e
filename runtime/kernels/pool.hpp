// Pooling on blocked activations. Max pooling checks bounds (its padding is -infinity, not the
// zero halo); average pooling reads the zero halo and divides by the full window, as PyTorch's
// count_include_pad does, or without count_include_pad (ONNX's default) by the part of the window
// inside the input.
#pragma once

#include <limits>

#include "common.hpp"
#include "lane_vec.hpp"

namespace rnc::kern {

struct PoolCfg {
  Blocked in, out;
  int kernel, stride, padding;
  bool count_include_pad = true;  // average pooling only
};

// The rows (or columns) of a window starting at `start` that lie inside an input of `size`.
constexpr int window_inside(int start, int kernel, int size) {
  return std::min(kernel, size - start) - std::max(0, -start);
}

// Max over the window of one output pixel; `full` windows (no padding inside) are unrolled by
// the constexpr kernel size, border ones clip their bounds.
template <PoolCfg C, bool full>
inline void maxpool_pixel(const Args& a, int i, int b, int oy, int ox) {
  const int y0 = oy * C.stride - C.padding, x0 = ox * C.stride - C.padding;
  const int ky0 = full ? 0 : std::max(0, -y0), ky1 = full ? C.kernel : std::min(C.kernel, C.in.h - y0);
  const int kx0 = full ? 0 : std::max(0, -x0), kx1 = full ? C.kernel : std::min(C.kernel, C.in.w - x0);
  using V = Vec<C.out.lanes>;
  V best = V::fill(-std::numeric_limits<float>::infinity());
  for (int ky = ky0; ky < ky1; ++ky)
    for (int kx = kx0; kx < kx1; ++kx) best = max(best, V::load(a.in0 + C.in.at(i, b, y0 + ky, x0 + kx)));
  store(a.out + C.out.at(i, b, oy, ox), best);
}

template <PoolCfg C>
void maxpool_blocked(const Args& a, int part, int parts) {
  static_assert(C.in.lanes == C.out.lanes, "pooling keeps the channel blocking");
  // Output pixels whose window lies inside the input: [first, last] on each axis.
  constexpr int first = (C.padding + C.stride - 1) / C.stride;
  constexpr auto last = [](int in) { return (in + C.padding - C.kernel) / C.stride; };
  const Range rows = split(C.out.n * C.out.cb() * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int oy = r % C.out.h, b = (r / C.out.h) % C.out.cb(), i = r / (C.out.h * C.out.cb());
    zero_halo_row<C.out>(a.out, i, b, oy);
    const bool row_inside = oy >= first && oy <= last(C.in.h);
    for (int ox = 0; ox < C.out.w; ++ox) {
      if (row_inside && ox >= first && ox <= last(C.in.w)) maxpool_pixel<C, true>(a, i, b, oy, ox);
      else maxpool_pixel<C, false>(a, i, b, oy, ox);
    }
  }
}

template <PoolCfg C>
void avgpool_blocked(const Args& a, int part, int parts) {
  static_assert(C.in.pad >= C.padding, "input halo must cover the pooling padding");
  static_assert(C.in.lanes == C.out.lanes, "pooling keeps the channel blocking");
  using V = Vec<C.out.lanes>;
  constexpr float full_scale = 1.0f / static_cast<float>(C.kernel * C.kernel);
  const Range rows = split(C.out.n * C.out.cb() * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int oy = r % C.out.h, b = (r / C.out.h) % C.out.cb(), i = r / (C.out.h * C.out.cb());
    zero_halo_row<C.out>(a.out, i, b, oy);
    for (int ox = 0; ox < C.out.w; ++ox) {
      V sum = V::fill(0.0f);
      for (int kh = 0; kh < C.kernel; ++kh)
        for (int kw = 0; kw < C.kernel; ++kw)
          sum = sum + V::load(a.in0 + C.in.at(i, b, oy * C.stride - C.padding + kh, ox * C.stride - C.padding + kw));
      const int y0 = oy * C.stride - C.padding, x0 = ox * C.stride - C.padding;
      const float scale = C.count_include_pad ? full_scale
                                              : 1.0f / static_cast<float>(window_inside(y0, C.kernel, C.in.h) *
                                                                          window_inside(x0, C.kernel, C.in.w));
      store(a.out + C.out.at(i, b, oy, ox), sum * scale);
    }
  }
}

// [N,C,H,W] -> [N,C,1,1], accumulated in double like the reference so large planes stay exact.
template <PoolCfg C>
void global_avgpool_blocked(const Args& a, int part, int parts) {
  static_assert(C.in.lanes == C.out.lanes, "pooling keeps the channel blocking");
  constexpr int L = C.out.lanes;
  const Range items = split(C.out.n * C.out.cb(), part, parts);
  for (int r = items.begin; r < items.end; ++r) {
    const int b = r % C.out.cb(), i = r / C.out.cb();
    zero_halo_row<C.out>(a.out, i, b, 0);
    double sum[L] = {};
    for (int y = 0; y < C.in.h; ++y)
      for (int x = 0; x < C.in.w; ++x) {
        const float* src = a.in0 + C.in.at(i, b, y, x);
        for (int l = 0; l < L; ++l) sum[l] += src[l];
      }
    float* dst = a.out + C.out.at(i, b, 0, 0);
    for (int l = 0; l < L; ++l) dst[l] = static_cast<float>(sum[l] / (C.in.h * C.in.w));
  }
}

}  // namespace rnc::kern
