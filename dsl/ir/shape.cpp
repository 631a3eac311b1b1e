#include "dsl/ir/shape.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rnc {

std::optional<std::int64_t> checked_numel(const Shape& shape) {
  std::int64_t total = 1;
  for (std::int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d != 0 && total > kMaxElements / d) return std::nullopt;
    total *= d;
  }
  if (total > kMaxElements) return std::nullopt;
  return total;
}

std::int64_t numel(const Shape& shape) {
  std::int64_t total = 1;
  for (std::int64_t d : shape) total *= d;
  return total;
}

std::string to_string(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

}  // namespace rnc
