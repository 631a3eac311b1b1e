// Tensor shapes and dense float tensors used by the IR, the weights and the reference interpreter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/tensor.hpp"

namespace rnc {

using Shape = std::vector<std::int64_t>;

// Largest element count we accept for any tensor: keeps every later product (bytes, MACs) far
// from int64 overflow. Bigger networks are refused by the spec checker with a message.
inline constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

// Product of the dims, or nullopt when it would exceed kMaxElements (or a dim is negative).
std::optional<std::int64_t> checked_numel(const Shape& shape);
std::int64_t numel(const Shape& shape);     // caller knows the shape was checked
std::string to_string(const Shape& shape);  // "[1,64,56,56]"

// The runtime's tensor (its Shape is this one): .npy files, weights and reference values share it.
using Tensor = rt::Tensor;

}  // namespace rnc
