// flatten: [N, C, H, W] -> [N, C*H*W] in NCHW order (PyTorch nn.Flatten()).
#include "dsl/ir/ops/ops.hpp"

namespace rnc {

Flatten Flatten::parse(AttrReader&) { return {}; }

std::optional<Shape> Flatten::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  if (in[0].size() < 2) {
    ops_detail::expect_rank(in[0], 4, diags, where, kName);
    return std::nullopt;
  }
  return Shape{in[0][0], numel(in[0]) / in[0][0]};
}

std::vector<ParamSpec> Flatten::params(Shapes) const { return {}; }
std::int64_t Flatten::macs(Shapes, const Shape&) const { return 0; }
void Flatten::reference(TensorRefs in, TensorRefs, Tensor& out) const { out.data = in[0]->data; }
std::string Flatten::summary() const { return "flatten"; }

}  // namespace rnc
