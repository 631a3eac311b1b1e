// Layout changes at the model's edges: the NCHW input into the first layer's layout, and blocked
// activations back to NCHW (the flattened [N, C*H*W] order) for the head or the output.
#pragma once

#include "common.hpp"

namespace rnc::kern {

struct ReorderCfg {
  Blocked blocked;  // the blocked side
  int pad;          // halo of the plain side (nchw_to_padded_nchw only)
};

// NCHW -> NCHW with a zero halo of `pad` (the stem convolution's input).
template <ReorderCfg C>
void nchw_to_padded_nchw(const Args& a, int part, int parts) {
  constexpr Blocked T = C.blocked;
  constexpr int hp = T.h + 2 * C.pad, wp = T.w + 2 * C.pad;
  const Range planes = split(T.n * T.c, part, parts);
  for (int p = planes.begin; p < planes.end; ++p) {
    float* dst = a.out + static_cast<std::int64_t>(p) * hp * wp;
    const float* src = a.in0 + static_cast<std::int64_t>(p) * T.h * T.w;
    std::fill(dst, dst + static_cast<std::int64_t>(hp) * wp, 0.0f);
    for (int y = 0; y < T.h; ++y) std::copy(src + y * T.w, src + (y + 1) * T.w, dst + (y + C.pad) * wp + C.pad);
  }
}

// NCHW -> blocked (padding channels set to zero).
template <ReorderCfg C>
void nchw_to_blocked(const Args& a, int part, int parts) {
  constexpr Blocked T = C.blocked;
  const Range rows = split(T.n * T.cb() * T.h, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int y = r % T.h, b = (r / T.h) % T.cb(), i = r / (T.h * T.cb());
    zero_halo_row<T>(a.out, i, b, y);
    float* dst = a.out + T.at(i, b, y, 0);
    for (int x = 0; x < T.w; ++x)
      for (int l = 0; l < T.lanes; ++l) {
        const int c = b * T.lanes + l;
        dst[x * T.lanes + l] = c < T.c ? a.in0[((static_cast<std::int64_t>(i) * T.c + c) * T.h + y) * T.w + x] : 0.0f;
      }
  }
}

// Blocked -> NCHW, which is also the [N, C*H*W] order of flatten.
template <ReorderCfg C>
void blocked_to_nchw(const Args& a, int part, int parts) {
  constexpr Blocked T = C.blocked;
  const Range planes = split(T.n * T.c, part, parts);
  for (int p = planes.begin; p < planes.end; ++p) {
    const int c = p % T.c, i = p / T.c;
    float* dst = a.out + static_cast<std::int64_t>(p) * T.h * T.w;
    for (int y = 0; y < T.h; ++y)
      for (int x = 0; x < T.w; ++x) dst[y * T.w + x] = a.in0[T.at(i, c / T.lanes, y, x) + c % T.lanes];
  }
}

}  // namespace rnc::kern
