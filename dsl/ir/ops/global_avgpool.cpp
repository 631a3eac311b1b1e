// global_avgpool: mean over height and width, keeping them as 1 ([N,C,H,W] -> [N,C,1,1]), like
// the seed's AdaptiveAvgPool2d((1, 1)).
#include "dsl/ir/ops/ops.hpp"

namespace rnc {

GlobalAvgPool GlobalAvgPool::parse(AttrReader&) { return {}; }

std::optional<Shape> GlobalAvgPool::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  if (!ops_detail::expect_rank(in[0], 4, diags, where, kName)) return std::nullopt;
  return Shape{in[0][0], in[0][1], 1, 1};
}

std::vector<ParamSpec> GlobalAvgPool::params(Shapes) const { return {}; }
std::int64_t GlobalAvgPool::macs(Shapes in, const Shape&) const { return numel(in[0]); }

void GlobalAvgPool::reference(TensorRefs in, TensorRefs, Tensor& out) const {
  const Tensor& x = *in[0];
  const std::int64_t plane = x.shape[2] * x.shape[3];
  for (std::int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc) {
    double sum = 0;
    for (std::int64_t i = 0; i < plane; ++i) sum += x.data[static_cast<std::size_t>(nc * plane + i)];
    out.data[static_cast<std::size_t>(nc)] = static_cast<float>(sum / double(plane));
  }
}

std::string GlobalAvgPool::summary() const { return "global_avgpool"; }

}  // namespace rnc
