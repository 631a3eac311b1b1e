// linear: y = x W^T + b on [N, in_features] (PyTorch nn.Linear).
#include <fmt/format.h>

#include "dsl/ir/ops/ops.hpp"

namespace rnc {

Linear Linear::parse(AttrReader& a) {
  Linear l;
  l.out_features = a.integer("out_features", std::nullopt, 1);
  l.bias = a.boolean("bias", true);
  return l;
}

std::optional<Shape> Linear::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  if (in[0].size() != 2) {
    diags.error(where, fmt::format("linear expects a rank-2 input [N, features], got {} (add a flatten before it)",
                                   to_string(in[0])));
    return std::nullopt;
  }
  return Shape{in[0][0], out_features};
}

std::vector<ParamSpec> Linear::params(Shapes in) const {
  std::vector<ParamSpec> p{{"weight", {out_features, in[0][1]}}};
  if (bias) p.push_back({"bias", {out_features}});
  return p;
}

std::int64_t Linear::macs(Shapes in, const Shape& out) const { return numel(out) * in[0][1]; }

void Linear::reference(TensorRefs in, TensorRefs p, Tensor& out) const {
  const Tensor& x = *in[0];
  const std::int64_t features = x.shape[1];
  for (std::int64_t n = 0; n < out.shape[0]; ++n)
    for (std::int64_t o = 0; o < out_features; ++o) {
      double acc = bias ? p[1]->data[static_cast<std::size_t>(o)] : 0.0;
      for (std::int64_t i = 0; i < features; ++i)
        acc += double(x.data[static_cast<std::size_t>(n * features + i)]) *
               double(p[0]->data[static_cast<std::size_t>(o * features + i)]);
      out.data[static_cast<std::size_t>(n * out_features + o)] = static_cast<float>(acc);
    }
}

std::string Linear::summary() const { return fmt::format("linear {}", out_features); }

}  // namespace rnc
