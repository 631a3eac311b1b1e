// relu: max(x, 0), any rank.
#include "dsl/ir/ops/ops.hpp"

namespace rnc {

Relu Relu::parse(AttrReader&) { return {}; }
std::optional<Shape> Relu::infer(Shapes in, Diagnostics&, const std::string&) const { return in[0]; }
std::vector<ParamSpec> Relu::params(Shapes) const { return {}; }
std::int64_t Relu::macs(Shapes, const Shape&) const { return 0; }

void Relu::reference(TensorRefs in, TensorRefs, Tensor& out) const {
  for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = in[0]->data[i] > 0.0f ? in[0]->data[i] : 0.0f;
}

std::string Relu::summary() const { return "relu"; }

}  // namespace rnc
