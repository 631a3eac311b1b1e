#include "dsl/graph_builder.hpp"

#include <fmt/format.h>

namespace rnc {

ValueId GraphBuilder::set_input(Shape shape) {
  graph_.input = graph_.add_value("input", std::move(shape));
  names_["input"] = graph_.input;
  return graph_.input;
}

void GraphBuilder::define(const std::string& name, ValueId id, const Location& where) {
  auto [it, inserted] = names_.emplace(name, id);
  if (!inserted)
    diags_.error(where, fmt::format("duplicate name \"{}\": every stage and layer name must be unique", name));
}

ValueId GraphBuilder::lookup(const std::string& name, const Location& where) {
  // A name whose layer failed maps to kInvalidValue: its error is already reported.
  if (auto it = names_.find(name); it != names_.end()) return it->second;
  if (auto it = declared_.find(name); it != declared_.end())
    diags_.error(where, fmt::format("value \"{}\" is used before it is defined (at {}); inputs must refer to earlier "
                                    "layers, so cycles and forward references are not allowed",
                                    name, it->second.to_string()));
  else
    diags_.error(where, fmt::format("undefined value \"{}\" (expected \"input\", a stage name or an earlier layer "
                                    "name)",
                                    name));
  return kInvalidValue;
}

ValueId GraphBuilder::add(Node node, const Prefix& prefix) {
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

  // An op checks shapes without knowing where its node is written: its problems go to the node.
  const auto in = graph_.input_shapes(node);
  Diagnostics shape_problems;
  const auto out = std::visit([&](const auto& op) { return op.infer(in, shape_problems, ""); }, node.op);
  for (const Diagnostic& d : shape_problems.items()) diags_.error(node.where, d.what);
  if (!out) return fail();
  check_prefix(node, prefix);

  node.output = graph_.add_value(node.name, *out);
  define(node.name, node.output, node.where);
  graph_.nodes.push_back(std::move(node));
  return graph_.nodes.back().output;
}

void GraphBuilder::check_prefix(Node& node, const Prefix& prefix) {
  if (graph_.params(node).empty()) {
    if (prefix.source == PrefixSource::kWritten && !node.weights.empty())
      diags_.error(node.where, fmt::format("{} has no parameters: remove \"weights\"", op_name(node.op)));
    node.weights.clear();
    return;
  }
  if (prefix.source == PrefixSource::kUnchecked) return;
  const auto [first, inserted] = prefix_users_.try_emplace(node.weights, PrefixUser{node.name, node.where});
  // A macro's nodes share its place: a clash of its prefix is one mistake, reported once.
  if (inserted || !prefix_clashes_.insert(node.where).second) return;
  const PrefixUser& user = first->second;
  // Default prefixes never clash with each other, so the earlier user wrote its prefix.
  if (prefix.source == PrefixSource::kDefault)
    diags_.error(node.where, fmt::format("the default weights prefix \"{}\" of layer {} is already used by layer {} "
                                         "(at {}); give one of the two another prefix",
                                         node.weights, node.name, user.node, user.where.to_string()));
  else  // at the written prefix; a macro's node has its macro's
    diags_.error(prefix.where, fmt::format("weights prefix \"{}\" is already used by layer {} (at {}); each "
                                           "layer needs its own state_dict prefix",
                                           node.weights, user.node, user.where.to_string()));
}

}  // namespace rnc
