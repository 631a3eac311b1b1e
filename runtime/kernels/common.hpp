// Shared pieces of the layer kernels. Generated code instantiates each kernel template with a
// constexpr configuration (every size a constant), so the compiler unrolls and vectorizes it for
// exactly one layer.
//
// Activations between layers are channel-blocked: [N][C/16][H + 2*pad][W + 2*pad][16] with a
// zero halo of `pad` pixels, so convolutions never test bounds. Padding channels (C rounded up
// to 16) are zero and stay zero through every kernel.
#pragma once

#include <algorithm>
#include <cstdint>

namespace rnc::kern {

inline constexpr int kLanes = 16;

constexpr int blocks(int channels) { return (channels + kLanes - 1) / kLanes; }

// Pointers a layer reads and writes; which ones are used depends on the kernel.
struct Args {
  const float* in0 = nullptr;  // main input
  const float* in1 = nullptr;  // second input (residual / add operand)
  const float* w0 = nullptr;   // packed weights (or BN scale)
  const float* w1 = nullptr;   // bias (or BN shift)
  float* out = nullptr;
  float* scratch = nullptr;    // this part's private scratch (Winograd tiles), 64-byte aligned
};

// Geometry of a blocked activation tensor.
struct Blocked {
  int n, c, h, w, pad;
  constexpr int cb() const { return blocks(c); }
  constexpr int hp() const { return h + 2 * pad; }
  constexpr int wp() const { return w + 2 * pad; }
  // Offset in floats of pixel (y, x) of channel block b of image i; y and x are interior
  // coordinates (may be negative down to -pad).
  constexpr std::int64_t at(int i, int b, int y, int x) const {
    return ((static_cast<std::int64_t>(i) * cb() + b) * hp() + (y + pad)) * static_cast<std::int64_t>(wp()) * kLanes +
           static_cast<std::int64_t>(x + pad) * kLanes;
  }
  constexpr std::int64_t floats() const { return static_cast<std::int64_t>(n) * cb() * hp() * wp() * kLanes; }
};

// The slice [begin, end) of `total` work items that worker `part` of `parts` owns. Every split
// computes each item the same way, so results never depend on the thread count.
struct Range {
  int begin, end;
};
constexpr Range split(int total, int part, int parts) {
  const int base = total / parts, extra = total % parts;
  const int begin = part * base + std::min(part, extra);
  return {begin, begin + base + (part < extra ? 1 : 0)};
}

// Zeroes the halo that belongs to output row `y` of (image i, block b): the left and right
// pads of the row, plus the top (bottom) pad rows when y is the first (last) row.
template <Blocked T>
inline void zero_halo_row(float* out, int i, int b, int y) {
  if constexpr (T.pad > 0) {
    float* row = out + T.at(i, b, y, -T.pad);
    std::fill(row, row + T.pad * kLanes, 0.0f);
    std::fill(row + (T.pad + T.w) * kLanes, row + T.wp() * kLanes, 0.0f);
    if (y == 0) {
      float* top = out + T.at(i, b, -T.pad, -T.pad);
      std::fill(top, top + static_cast<std::int64_t>(T.pad) * T.wp() * kLanes, 0.0f);
    }
    if (y == T.h - 1) {
      float* bottom = out + T.at(i, b, T.h, -T.pad);
      std::fill(bottom, bottom + static_cast<std::int64_t>(T.pad) * T.wp() * kLanes, 0.0f);
    }
  }
}

}  // namespace rnc::kern

namespace rnc::kern {

// What every generated layer function receives: the caller's input and output, the model's
// activation arena and the packed weights payload.
struct Context {
  const float* input;
  float* output;
  float* arena;
  const float* weights;
  float* scratch;  // parts x the model's kScratchFloats, one slice per part
};

using LayerFn = void (*)(const Context& ctx, int part, int parts);

}  // namespace rnc::kern
