#include "codegen/epilogue.hpp"

#include <fmt/format.h>

#include "codegen/model.hpp"
#include "dsl/reference.hpp"

namespace rnc {

void apply_epilogue(const Epilogue& e, const Tensor* residual, Tensor& out) {
  for (std::size_t i = 0; i < out.data.size(); ++i) {
    double v = out.data[i];
    if (residual) v += double(residual->data[i]);
    if (e.relu && v < 0) v = 0;
    out.data[i] = static_cast<float>(v);
  }
}

const Epilogue* epilogue_of(const Epilogues& epilogues, const Node& node) {
  const auto it = epilogues.find(node.output);
  return it == epilogues.end() ? nullptr : &it->second;
}

std::string epilogue_summary(const Epilogue& e) {
  if (e.has_residual() && e.relu) return "add+relu";
  return e.has_residual() ? "add" : e.relu ? "relu" : "";
}

std::string dump_model(const Model& model) {
  return dump_graph(model.graph, [&](const Node& node) {
    NodeNote note;
    if (const Epilogue* e = epilogue_of(model.epilogues, node)) {
      note.summary_suffix = fmt::format("+{}", epilogue_summary(*e));
      if (e->has_residual()) note.extra_inputs.push_back(e->residual);
    }
    return note;
  });
}

std::vector<int> use_counts(const Model& model) {
  std::vector<int> uses = model.graph.use_counts();
  for (const auto& [value, e] : model.epilogues)
    if (e.has_residual()) ++uses[static_cast<std::size_t>(e.residual)];
  return uses;
}

Tensor run_fused_reference(const Model& model, const WeightMap& weights, const Tensor& input,
                           const NodeObserver& observe) {
  const Graph& g = model.graph;
  check_input_shape(g, input);
  std::vector<Tensor> values(g.values.size());
  values[static_cast<std::size_t>(g.input)] = input;
  for (const Node& node : g.nodes) {
    Tensor out = run_node(g, weights, node, values);
    if (const Epilogue* e = epilogue_of(model.epilogues, node))
      apply_epilogue(*e, e->has_residual() ? &values[static_cast<std::size_t>(e->residual)] : nullptr, out);
    if (observe) observe(node, out);
    values[static_cast<std::size_t>(node.output)] = std::move(out);
  }
  return std::move(values[static_cast<std::size_t>(g.output)]);
}

}  // namespace rnc
