// 64-byte aligned memory allocated once: the activation arena of a generated Model (allocated when
// the model is constructed, so that a Model object is small, safe on any stack, any number per
// process, and run() never allocates) and the kernels' per-thread scratch. Not cleared: every
// kernel writes what it later reads, halos included.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace rnc::rt {

class Arena {
 public:
  static constexpr std::size_t kAlignment = 64;  // a cache line, and the widest vector load

  // Throws std::bad_alloc when the memory is not there.
  explicit Arena(std::size_t bytes)
      : data_(bytes ? static_cast<float*>(::operator new (bytes, std::align_val_t{kAlignment})) : nullptr) {}

  float* data() const noexcept { return data_.get(); }

 private:
  struct Free {
    void operator()(float* p) const noexcept { ::operator delete (p, std::align_val_t{kAlignment}); }
  };
  std::unique_ptr<float, Free> data_;
};

}  // namespace rnc::rt
