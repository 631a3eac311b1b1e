// Shared pieces of the layer kernels. Generated code instantiates each kernel template with a
// constexpr configuration (every size a constant), so the compiler unrolls and vectorizes it for
// exactly one layer.
//
// Activations between layers are channel-blocked: [N][C/L][H + 2*pad][W + 2*pad][L] with a zero
// halo of `pad` pixels, so convolutions never test bounds. L (the lanes, channels per block) is
// one vector register of floats of the target, chosen at codegen time and carried by every
// tensor's geometry: 16 (NCHW16c) for AVX-512, 8 (NCHW8c) for AVX2. Padding channels (C rounded
// up to L) are zero and stay zero through every kernel.
#pragma once

#include <algorithm>
#include <cstdint>

namespace rnc::kern {

// Lanes of a Blocked geometry that does not name them (what generated code for AVX-512 prints).
inline constexpr int kDefaultLanes = 16;

// Floats of one 64-byte cache line.
inline constexpr int kLineFloats = 16;

constexpr int blocks(int channels, int lanes) { return (channels + lanes - 1) / lanes; }

// `units` (line_units to a 64-byte line) rounded up to an odd number of lines: the stride between
// the positions of the Winograd kernels' scratch, so that the positions of one tile fall into
// different L1 sets (a multiple of 4 KB would put them all in one or two sets).
constexpr std::int64_t odd_lines(std::int64_t units, std::int64_t line_units) {
  const std::int64_t lines = (units + line_units - 1) / line_units;
  return (lines % 2 != 0 ? lines : lines + 1) * line_units;
}

// Pointers a layer reads and writes; which ones are used depends on the kernel.
struct Args {
  const float* in0 = nullptr;  // main input
  const float* in1 = nullptr;  // second input (residual / add operand)
  const float* w0 = nullptr;   // packed weights (or BN scale)
  const float* w1 = nullptr;   // bias (or BN shift)
  float* out = nullptr;
  float* scratch = nullptr;  // this part's private scratch (Winograd tiles), 64-byte aligned
};

// Geometry of a blocked activation tensor.
struct Blocked {
  int n, c, h, w, pad;
  int lanes = kDefaultLanes;  // channels per block
  constexpr int cb() const { return blocks(c, lanes); }
  constexpr int hp() const { return h + 2 * pad; }
  constexpr int wp() const { return w + 2 * pad; }
  // Offset in floats of pixel (y, x) of channel block b of image i; y and x are interior
  // coordinates (may be negative down to -pad).
  constexpr std::int64_t at(int i, int b, int y, int x) const {
    return ((static_cast<std::int64_t>(i) * cb() + b) * hp() + (y + pad)) * static_cast<std::int64_t>(wp()) * lanes +
           static_cast<std::int64_t>(x + pad) * lanes;
  }
  constexpr std::int64_t floats() const { return static_cast<std::int64_t>(n) * cb() * hp() * wp() * lanes; }
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
// pads of the row, plus the top (bottom) pad rows when y is the first (last) row. E is the
// element type of the tensor (float, or a byte of the int8 layers of qconv.hpp).
template <Blocked T, class E>
inline void zero_halo_row(E* out, int i, int b, int y) {
  if constexpr (T.pad > 0) {
    E* row = out + T.at(i, b, y, -T.pad);
    std::fill(row, row + T.pad * T.lanes, E{0});
    std::fill(row + (T.pad + T.w) * T.lanes, row + T.wp() * T.lanes, E{0});
    if (y == 0) {
      E* top = out + T.at(i, b, -T.pad, -T.pad);
      std::fill(top, top + static_cast<std::int64_t>(T.pad) * T.wp() * T.lanes, E{0});
    }
    if (y == T.h - 1) {
      E* bottom = out + T.at(i, b, T.h, -T.pad);
      std::fill(bottom, bottom + static_cast<std::int64_t>(T.pad) * T.wp() * T.lanes, E{0});
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
