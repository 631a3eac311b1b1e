// A dense float32 tensor in C order: what .npy files hold, what the reference interpreter computes
// and what weights files bind. One type for the runtime, the compiler and the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace rnc::rt {

struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // C order

  Tensor() = default;
  // Zeros of `shape`, whose dims the caller has checked (element_count in npy.hpp checks
  // untrusted ones).
  explicit Tensor(std::vector<std::int64_t> dims) : shape(std::move(dims)), data(elements(shape), 0.0f) {}
  Tensor(std::vector<std::int64_t> dims, std::vector<float> values) : shape(std::move(dims)), data(std::move(values)) {}

  // Element (n, c, h, w) of a rank-4 NCHW tensor.
  std::size_t offset4(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) const {
    return static_cast<std::size_t>(((n * shape[1] + c) * shape[2] + h) * shape[3] + w);
  }
  float& at4(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) { return data[offset4(n, c, h, w)]; }
  float at4(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) const { return data[offset4(n, c, h, w)]; }

 private:
  static std::size_t elements(const std::vector<std::int64_t>& dims) {
    std::size_t count = 1;
    for (const std::int64_t d : dims) count *= static_cast<std::size_t>(d);
    return count;
  }
};

}  // namespace rnc::rt
