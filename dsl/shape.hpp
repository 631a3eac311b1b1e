// Tensor shapes and dense float tensors used by the IR, the weights and the reference interpreter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rnc {

using Shape = std::vector<std::int64_t>;

// Largest element count we accept for any tensor: keeps every later product (bytes, MACs) far
// from int64 overflow. Bigger networks are refused by the spec checker with a message.
inline constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

// Product of the dims, or nullopt when it would exceed kMaxElements (or a dim is negative).
std::optional<std::int64_t> checked_numel(const Shape& shape);
std::int64_t numel(const Shape& shape);  // caller knows the shape was checked
std::string to_string(const Shape& shape);  // "[1,64,56,56]"

struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(Shape s) : shape(std::move(s)), data(static_cast<std::size_t>(numel(shape)), 0.0f) {}
  std::size_t offset4(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) const {
    return static_cast<std::size_t>(((n * shape[1] + c) * shape[2] + h) * shape[3] + w);
  }
  float& at4(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) { return data[offset4(n, c, h, w)]; }
  float at4(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) const { return data[offset4(n, c, h, w)]; }
};

}  // namespace rnc
