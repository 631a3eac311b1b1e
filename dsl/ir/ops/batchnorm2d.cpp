// batchnorm2d in inference mode: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias.
#include <cmath>

#include <fmt/format.h>

#include "dsl/ir/ops/ops.hpp"

namespace rnc {

BatchNorm2d BatchNorm2d::parse(AttrReader& a) {
  BatchNorm2d b;
  b.eps = a.number("eps", 1e-5, 0.0);
  return b;
}

std::optional<Shape> BatchNorm2d::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  if (!ops_detail::expect_rank(in[0], 4, diags, where, kName)) return std::nullopt;
  return in[0];
}

std::vector<ParamSpec> BatchNorm2d::params(Shapes in) const {
  const std::int64_t c = in[0][1];
  return {{"weight", {c}}, {"bias", {c}}, {"running_mean", {c}}, {"running_var", {c}}};
}

std::int64_t BatchNorm2d::macs(Shapes, const Shape& out) const { return numel(out); }

void BatchNorm2d::reference(TensorRefs in, TensorRefs p, Tensor& out) const {
  const Tensor& x = *in[0];
  const std::int64_t plane = x.shape[2] * x.shape[3];
  for (std::int64_t n = 0; n < x.shape[0]; ++n)
    for (std::int64_t c = 0; c < x.shape[1]; ++c) {
      const auto ci = static_cast<std::size_t>(c);
      const double scale = double(p[0]->data[ci]) / std::sqrt(double(p[3]->data[ci]) + eps);
      const double shift = double(p[1]->data[ci]) - double(p[2]->data[ci]) * scale;
      const std::int64_t base = (n * x.shape[1] + c) * plane;
      for (std::int64_t i = base; i < base + plane; ++i)
        out.data[static_cast<std::size_t>(i)] = static_cast<float>(x.data[static_cast<std::size_t>(i)] * scale + shift);
    }
}

std::string BatchNorm2d::summary() const { return fmt::format("batchnorm eps={}", eps); }

}  // namespace rnc
