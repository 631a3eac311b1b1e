// Pooling on blocked activations. Max pooling checks bounds (its padding is -infinity, not the
// zero halo); average pooling reads the zero halo and divides by the full window, as PyTorch's
// count_include_pad does.
#pragma once

#include <limits>

#include "common.hpp"

namespace rnc::kern {

struct PoolCfg {
  Blocked in, out;
  int kernel, stride, padding;
};

template <PoolCfg C>
void maxpool_blocked(const Args& a, int part, int parts) {
  const Range rows = split(C.out.n * C.out.cb() * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int oy = r % C.out.h, b = (r / C.out.h) % C.out.cb(), i = r / (C.out.h * C.out.cb());
    zero_halo_row<C.out>(a.out, i, b, oy);
    const int y0 = std::max(oy * C.stride - C.padding, 0), y1 = std::min(oy * C.stride - C.padding + C.kernel, C.in.h);
    for (int ox = 0; ox < C.out.w; ++ox) {
      const int x0 = std::max(ox * C.stride - C.padding, 0), x1 = std::min(ox * C.stride - C.padding + C.kernel, C.in.w);
      float best[kLanes];
      for (int l = 0; l < kLanes; ++l) best[l] = -std::numeric_limits<float>::infinity();
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
          const float* src = a.in0 + C.in.at(i, b, y, x);
          for (int l = 0; l < kLanes; ++l) best[l] = std::max(best[l], src[l]);
        }
      float* dst = a.out + C.out.at(i, b, oy, ox);
      for (int l = 0; l < kLanes; ++l) dst[l] = best[l];
    }
  }
}

template <PoolCfg C>
void avgpool_blocked(const Args& a, int part, int parts) {
  static_assert(C.in.pad >= C.padding, "input halo must cover the pooling padding");
  constexpr float scale = 1.0f / static_cast<float>(C.kernel * C.kernel);
  const Range rows = split(C.out.n * C.out.cb() * C.out.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int oy = r % C.out.h, b = (r / C.out.h) % C.out.cb(), i = r / (C.out.h * C.out.cb());
    zero_halo_row<C.out>(a.out, i, b, oy);
    for (int ox = 0; ox < C.out.w; ++ox) {
      float sum[kLanes] = {};
      for (int kh = 0; kh < C.kernel; ++kh)
        for (int kw = 0; kw < C.kernel; ++kw) {
          const float* src = a.in0 + C.in.at(i, b, oy * C.stride - C.padding + kh, ox * C.stride - C.padding + kw);
          for (int l = 0; l < kLanes; ++l) sum[l] += src[l];
        }
      float* dst = a.out + C.out.at(i, b, oy, ox);
      for (int l = 0; l < kLanes; ++l) dst[l] = sum[l] * scale;
    }
  }
}

// [N,C,H,W] -> [N,C,1,1], accumulated in double like the reference so large planes stay exact.
template <PoolCfg C>
void global_avgpool_blocked(const Args& a, int part, int parts) {
  const Range items = split(C.out.n * C.out.cb(), part, parts);
  for (int r = items.begin; r < items.end; ++r) {
    const int b = r % C.out.cb(), i = r / C.out.cb();
    zero_halo_row<C.out>(a.out, i, b, 0);
    double sum[kLanes] = {};
    for (int y = 0; y < C.in.h; ++y)
      for (int x = 0; x < C.in.w; ++x) {
        const float* src = a.in0 + C.in.at(i, b, y, x);
        for (int l = 0; l < kLanes; ++l) sum[l] += src[l];
      }
    float* dst = a.out + C.out.at(i, b, 0, 0);
    for (int l = 0; l < kLanes; ++l) dst[l] = static_cast<float>(sum[l] / (C.in.h * C.in.w));
  }
}

}  // namespace rnc::kern
