#include "codegen/int8_reference.hpp"

#include <optional>

#include "codegen/int8_ops.hpp"

namespace rnc {
namespace {

// Each value as the float tensor, the int8 tensor or both, converted on demand like the
// generated code's quantize and dequantize steps.
class Values {
 public:
  Values(const Model& m, const ActivationScales& scales, std::size_t count)
      : m_(m), scales_(scales), floats_(count), ints_(count) {}

  void set(ValueId v, Tensor t) { floats_[index(v)] = std::move(t); }
  void set(ValueId v, QTensor t) { ints_[index(v)] = std::move(t); }

  const Tensor& as_float(ValueId v) {
    auto& f = floats_[index(v)];
    if (!f) f = dequantize_tensor(*ints_[index(v)]);
    return *f;
  }
  const QTensor& as_int8(ValueId v) {
    auto& q = ints_[index(v)];
    if (!q) q = quantize_tensor(*floats_[index(v)], scale_of(scales_, v), quantized_signed(m_, v));
    return *q;
  }

 private:
  static std::size_t index(ValueId v) { return static_cast<std::size_t>(v); }
  const Model& m_;
  const ActivationScales& scales_;
  std::vector<std::optional<Tensor>> floats_;
  std::vector<std::optional<QTensor>> ints_;
};

}  // namespace

Tensor run_int8_reference(const Model& m, const WeightMap& folded, const ActivationScales& scales, const Tensor& input,
                          const NodeObserver& observe) {
  const Graph& g = m.graph;
  check_input_shape(g, input);
  Values values(m, scales, g.values.size());
  values.set(g.input, input);
  for (const Node& node : g.nodes) {
    const Epilogue* e = epilogue_of(m.epilogues, node);
    if (is_int8_conv(m, node)) {
      const QConvRecipe recipe = qconv_recipe(m, node);
      const QTensor* residual = recipe.residual >= 0 ? &values.as_int8(recipe.residual) : nullptr;
      const QTensor& in = values.as_int8(node.inputs[0]);
      values.set(node.output,
                 qconv_reference(quantize_conv(recipe, folded, scales), in, residual, scale_of(scales, node.output)));
      if (observe) observe(node, values.as_float(node.output));
      continue;
    }
    std::vector<Tensor> inputs(g.values.size());
    for (ValueId v : node.inputs) inputs[static_cast<std::size_t>(v)] = values.as_float(v);
    Tensor out = run_node(g, folded, node, inputs);
    if (e) apply_epilogue(*e, e->has_residual() ? &values.as_float(e->residual) : nullptr, out);
    if (observe) observe(node, out);
    values.set(node.output, std::move(out));
  }
  return values.as_float(g.output);
}

}  // namespace rnc
