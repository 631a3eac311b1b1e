// Per-thread scratch memory for kernels that need temporaries (Winograd tiles). Sized when the
// thread count is set, never inside run(), so run() stays free of allocation.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace rnc::rt {

class Scratch {
 public:
  // `floats_per_part` for each of `parts` parts, every slice 64-byte aligned.
  void resize(std::size_t floats_per_part, int parts) {
    stride_ = (floats_per_part + 15) / 16 * 16;
    const std::size_t total = stride_ * static_cast<std::size_t>(parts);
    if (total == capacity_) return;
    data_.reset(total ? static_cast<float*>(::operator new[](total * sizeof(float), std::align_val_t{64})) : nullptr);
    capacity_ = total;
  }
  float* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<float[], Free> data_;
  std::size_t stride_ = 0, capacity_ = 0;
};

}  // namespace rnc::rt
