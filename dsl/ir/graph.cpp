#include "dsl/ir/graph.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rnc {

std::vector<Shape> Graph::input_shapes(const Node& node) const {
  std::vector<Shape> shapes;
  for (ValueId id : node.inputs) shapes.push_back(shape(id));
  return shapes;
}

std::vector<ParamSpec> Graph::params(const Node& node) const {
  const auto in = input_shapes(node);
  return std::visit([&](const auto& op) { return op.params(in); }, node.op);
}

std::int64_t Graph::macs(const Node& node) const {
  const auto in = input_shapes(node);
  return std::visit([&](const auto& op) { return op.macs(in, shape(node.output)); }, node.op);
}

std::vector<ParamRef> Graph::all_params() const {
  std::vector<ParamRef> refs;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (ParamSpec& p : params(nodes[i]))
      refs.push_back({static_cast<int>(i), nodes[i].weights + "." + p.suffix, std::move(p.shape)});
  return refs;
}

std::vector<int> Graph::use_counts() const {
  std::vector<int> uses(values.size(), 0);
  for (const Node& n : nodes)
    for (ValueId id : n.inputs) ++uses[static_cast<std::size_t>(id)];
  ++uses[static_cast<std::size_t>(output)];
  return uses;
}

ValueId Graph::add_value(std::string value_name, Shape value_shape) {
  values.push_back({std::move(value_name), std::move(value_shape)});
  return static_cast<ValueId>(values.size() - 1);
}

std::int64_t total_macs(const Graph& graph) {
  std::int64_t total = 0;
  for (const Node& n : graph.nodes) total += graph.macs(n);
  return total;
}

std::int64_t total_params(const Graph& graph) {
  std::int64_t total = 0;
  for (const ParamRef& p : graph.all_params()) total += numel(p.shape);
  return total;
}

std::string dump_graph(const Graph& graph, const NodeNotes& notes) {
  const auto name = [&](ValueId v) { return graph.values[static_cast<std::size_t>(v)].name; };
  const std::string input_shape = to_string(graph.shape(graph.input));
  std::string out = fmt::format("graph {}: input {} {}\n", graph.name, name(graph.input), input_shape);
  for (const Node& n : graph.nodes) {
    const NodeNote note = notes ? notes(n) : NodeNote{};
    std::vector<std::string> inputs;
    for (ValueId v : n.inputs) inputs.push_back(name(v));
    for (ValueId v : note.extra_inputs) inputs.push_back(name(v));
    std::string summary = std::visit([](const auto& op) { return op.summary(); }, n.op);
    if (const auto* c = std::get_if<Conv2d>(&n.op); c && c->bias) summary += "+bias";
    summary += note.summary_suffix;
    const std::string shape = to_string(graph.shape(n.output));
    out += fmt::format("  {} = {}({}) -> {}\n", n.name, summary, fmt::join(inputs, ", "), shape);
  }
  out += fmt::format("output {}\n", name(graph.output));
  return out;
}

}  // namespace rnc
