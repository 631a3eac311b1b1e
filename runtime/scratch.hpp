// Per-thread scratch memory for kernels that need temporaries (Winograd tiles). Sized when the
// thread count is set, never inside run(), so run() stays free of allocation.
#pragma once

#include <cstddef>

#include "arena.hpp"

namespace rnc::rt {

class Scratch {
 public:
  // `floats_per_part` for each of `parts` parts, every slice 64-byte aligned.
  void resize(std::size_t floats_per_part, int parts) {
    stride_ = (floats_per_part + 15) / 16 * 16;
    const std::size_t total = stride_ * static_cast<std::size_t>(parts);
    if (total == capacity_) return;
    memory_ = Arena(total * sizeof(float));
    capacity_ = total;
  }
  float* data() const { return memory_.data(); }

 private:
  Arena memory_{0};
  std::size_t stride_ = 0, capacity_ = 0;
};

}  // namespace rnc::rt
