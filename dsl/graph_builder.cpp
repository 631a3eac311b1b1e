#include "dsl/graph_builder.hpp"

#include <fmt/format.h>

namespace rnc {

ValueId GraphBuilder::set_input(Shape shape) {
  graph_.input = graph_.add_value("input", std::move(shape));
  names_["input"] = graph_.input;
  return graph_.input;
}

void GraphBuilder::define(const std::string& name, ValueId id, const std::string& where) {
  auto [it, inserted] = names_.emplace(name, id);
  if (!inserted) diags_.error(where, fmt::format("duplicate name \"{}\": every stage and layer name must be unique", name));
}

ValueId GraphBuilder::lookup(const std::string& name, const std::string& where) {
  // A name whose layer failed maps to kInvalidValue: its error is already reported.
  if (auto it = names_.find(name); it != names_.end()) return it->second;
  if (auto it = declared_.find(name); it != declared_.end())
    diags_.error(where, fmt::format("value \"{}\" is used before it is defined (at {}); inputs must refer to earlier "
                                    "layers, so cycles and forward references are not allowed",
                                    name, it->second));
  else
    diags_.error(where, fmt::format("undefined value \"{}\" (expected \"input\", a stage name or an earlier layer "
                                    "name)",
                                    name));
  return kInvalidValue;
}

ValueId GraphBuilder::add(Node node) {
  const int arity = op_arity(node.op);
  if (static_cast<int>(node.inputs.size()) != arity) {
    diags_.error(node.where, fmt::format("{} takes {} input(s), got {}", op_name(node.op), arity, node.inputs.size()));
    return kInvalidValue;
  }
  const auto fail = [&] {
    names_.emplace(node.name, kInvalidValue);
    return kInvalidValue;
  };
  for (ValueId id : node.inputs)
    if (id == kInvalidValue || graph_.shape(id).empty()) return fail();

  const auto in = graph_.input_shapes(node);
  const auto out = std::visit([&](const auto& op) { return op.infer(in, diags_, node.where); }, node.op);
  if (!out) return fail();

  const bool has_params = !graph_.params(node).empty();
  if (has_params && node.weights.empty()) {
    diags_.error(node.where, fmt::format("{} has parameters: expected \"weights\", the state_dict prefix of its "
                                         "tensors (e.g. \"0.0\" for 0.0.weight)",
                                         op_name(node.op)));
  } else if (!has_params && !node.weights.empty()) {
    diags_.error(node.where, fmt::format("{} has no parameters: remove \"weights\"", op_name(node.op)));
  } else if (has_params) {
    auto [it, inserted] = weight_users_.emplace(node.weights, node.name);
    if (!inserted)
      diags_.error(node.where, fmt::format("weights prefix \"{}\" is already used by layer {}; each layer needs its "
                                           "own state_dict prefix",
                                           node.weights, it->second));
  }

  node.output = graph_.add_value(node.name, *out);
  define(node.name, node.output, node.where);
  graph_.nodes.push_back(std::move(node));
  return graph_.nodes.back().output;
}

}  // namespace rnc
