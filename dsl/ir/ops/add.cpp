// add: elementwise sum of two tensors of the same shape (the residual connection).
#include <fmt/format.h>

#include "dsl/ir/ops/ops.hpp"

namespace rnc {

Add Add::parse(AttrReader&) { return {}; }

std::optional<Shape> Add::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  if (in[0] == in[1]) return in[0];
  diags.error(where, fmt::format("add: operand shapes differ: {} + {} (channels, height and width must match)",
                                 to_string(in[0]), to_string(in[1])));
  return std::nullopt;
}

std::vector<ParamSpec> Add::params(Shapes) const { return {}; }
std::int64_t Add::macs(Shapes, const Shape&) const { return 0; }

void Add::reference(TensorRefs in, TensorRefs, Tensor& out) const {
  for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = in[0]->data[i] + in[1]->data[i];
}

std::string Add::summary() const { return "add"; }

}  // namespace rnc
