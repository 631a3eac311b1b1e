#include "dsl/reference.hpp"

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"

namespace rnc {

void check_input_shape(const Graph& graph, const Tensor& input) {
  if (input.shape != graph.shape(graph.input))
    throw CompileError(fmt::format("input has shape {}, the network expects {}", to_string(input.shape),
                                   to_string(graph.shape(graph.input))));
}

Tensor run_node(const Graph& graph, const WeightMap& weights, const Node& node, const std::vector<Tensor>& values) {
  std::vector<const Tensor*> in;
  for (ValueId id : node.inputs) in.push_back(&values[static_cast<std::size_t>(id)]);
  std::vector<const Tensor*> params;
  for (const ParamSpec& p : graph.params(node)) params.push_back(&weights.at(node.weights + "." + p.suffix));
  Tensor out(graph.shape(node.output));
  std::visit([&](const auto& op) { op.reference(in, params, out); }, node.op);
  return out;
}

Tensor run_reference(const Graph& graph, const WeightMap& weights, const Tensor& input, const NodeObserver& observe) {
  check_input_shape(graph, input);
  std::vector<Tensor> values(graph.values.size());
  values[static_cast<std::size_t>(graph.input)] = input;
  // Free each value after its last reader so deep networks at large sizes fit in memory.
  std::vector<int> remaining = graph.use_counts();
  for (const Node& node : graph.nodes) {
    Tensor out = run_node(graph, weights, node, values);
    if (observe) observe(node, out);
    values[static_cast<std::size_t>(node.output)] = std::move(out);
    for (ValueId id : node.inputs)
      if (--remaining[static_cast<std::size_t>(id)] == 0) values[static_cast<std::size_t>(id)] = Tensor{};
  }
  return std::move(values[static_cast<std::size_t>(graph.output)]);
}

}  // namespace rnc
