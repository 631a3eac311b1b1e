// NodeContext: one node's attributes, inputs and outputs, with every problem reported at the node.
#include <fmt/format.h>

#include "dsl/onnx/onnx_tensor.hpp"
#include "dsl/onnx/onnx_translate.hpp"

namespace rnc::onnx_import {
namespace {

std::string_view type_name(onnx::AttributeProto::AttributeType type) {
  switch (type) {
    case onnx::AttributeProto::INT: return "an integer";
    case onnx::AttributeProto::INTS: return "a list of integers";
    case onnx::AttributeProto::FLOAT: return "a float";
    case onnx::AttributeProto::STRING: return "a string";
    case onnx::AttributeProto::TENSOR: return "a tensor";
    default: return "another type";
  }
}

}  // namespace

NodeContext::NodeContext(const onnx::NodeProto& node, Location where, GraphState& graph)
    : node_(node), where_(std::move(where)), graph_(graph) {}

bool NodeContext::has(std::string_view name) const {
  for (const auto& a : node_.attribute())
    if (a.name() == name) return true;
  return false;
}

const onnx::AttributeProto* NodeContext::attribute(std::string_view name, onnx::AttributeProto::AttributeType type) {
  read_.emplace(name);
  for (const auto& a : node_.attribute()) {
    if (a.name() != name) continue;
    if (a.type() == type) return &a;
    unsupported(fmt::format("attribute {} must be {}", name, type_name(type)));
    return nullptr;
  }
  return nullptr;
}

std::int64_t NodeContext::integer(std::string_view name, std::int64_t fallback) {
  const auto* a = attribute(name, onnx::AttributeProto::INT);
  return a ? a->i() : fallback;
}

std::vector<std::int64_t> NodeContext::integers(std::string_view name, std::vector<std::int64_t> fallback) {
  const auto* a = attribute(name, onnx::AttributeProto::INTS);
  return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

float NodeContext::real(std::string_view name, float fallback) {
  const auto* a = attribute(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : fallback;
}

std::string NodeContext::text(std::string_view name, std::string fallback) {
  const auto* a = attribute(name, onnx::AttributeProto::STRING);
  return a ? a->s() : fallback;
}

const onnx::TensorProto* NodeContext::tensor_attribute(std::string_view name) {
  const auto* a = attribute(name, onnx::AttributeProto::TENSOR);
  return a ? &a->t() : nullptr;
}

void NodeContext::ignore(std::string_view name) { read_.emplace(name); }

void NodeContext::finish() {
  // Opset 1's hint that an op may overwrite its input (gone in opset 6): no effect on the result.
  if (opset() < 6) ignore("consumed_inputs");
  for (const auto& a : node_.attribute())
    if (!read_.contains(a.name())) unsupported(fmt::format("attribute {} is not supported", a.name()));
}

const std::string& NodeContext::input_name(std::size_t i) const {
  static const std::string kNone;
  return i < static_cast<std::size_t>(node_.input_size()) ? node_.input(static_cast<int>(i)) : kNone;
}

bool NodeContext::has_input(std::size_t i) const { return !input_name(i).empty(); }

bool NodeContext::is_constant(std::size_t i) const {
  const std::string& name = input_name(i);
  return graph_.constants.contains(name) || graph_.bound_inputs.contains(name);
}

std::optional<SpecValueRef> NodeContext::activation(std::size_t i) {
  const std::string& name = input_name(i);
  if (auto found = graph_.values.find(name); found != graph_.values.end()) return found->second;
  if (graph_.unknown.contains(name)) {
    failed_ = true;  // reported where it became unknown
  } else if (is_constant(i)) {
    unsupported(fmt::format("input {} (\"{}\") is a constant; resnetc computes this op on activations only", i, name));
  } else {
    unsupported(name.empty() ? fmt::format("input {} is missing", i)
                             : fmt::format("input {} (\"{}\") is not computed by any earlier node", i, name));
  }
  return std::nullopt;
}

template <class Read>
auto NodeContext::read_constant(std::size_t i, const Read& read) -> std::optional<decltype(read(onnx::TensorProto{}))> {
  const std::string& name = input_name(i);
  const auto found = graph_.constants.find(name);
  if (found == graph_.constants.end()) {
    unsupported(fmt::format("input {} (\"{}\") must be an initializer or a Constant; resnetc compiles its values in",
                            i, name));
    return std::nullopt;
  }
  try {
    return read(*found->second);
  } catch (const TensorError& e) {
    unsupported(fmt::format("input {} (\"{}\"): {}", i, name, e.what()));
    return std::nullopt;
  }
}

std::optional<Tensor> NodeContext::constant(std::size_t i) {
  if (auto bound = graph_.bound_inputs.find(input_name(i)); bound != graph_.bound_inputs.end()) return bound->second;
  return read_constant(i, [&](const onnx::TensorProto& t) { return float_tensor(t, graph_.model_dir); });
}

std::optional<std::vector<std::int64_t>> NodeContext::integer_constant(std::size_t i) {
  return read_constant(i, [&](const onnx::TensorProto& t) { return integer_values(t, graph_.model_dir); });
}

std::string NodeContext::state_dict_prefix(std::size_t i, std::string_view suffix) const {
  const std::string& name = input_name(i);
  if (name.size() <= suffix.size() + 1 || !name.ends_with(suffix)) return "";
  const std::size_t dot = name.size() - suffix.size() - 1;
  return name[dot] == '.' ? name.substr(0, dot) : "";
}

int NodeContext::output_readers(std::size_t i) const {
  if (i >= static_cast<std::size_t>(node_.output_size())) return 0;
  const auto found = graph_.readers.find(node_.output(static_cast<int>(i)));
  return found == graph_.readers.end() ? 0 : found->second;
}

bool NodeContext::output_used(std::size_t i) const { return output_readers(i) > 0; }

void NodeContext::add_layer(LayerDraft layer, const Shape& out) {
  layer.node_name = node_.name();
  layer.where = where_;
  graph_.layers.push_back(std::move(layer));
  alias({static_cast<int>(graph_.layers.size()) - 1, out});
}

void NodeContext::alias(const SpecValueRef& value) {
  if (node_.output_size() > 0) graph_.values[node_.output(0)] = value;
}

void NodeContext::define_constant(const onnx::TensorProto& value) {
  if (node_.output_size() > 0) graph_.constants[node_.output(0)] = &value;
}

void NodeContext::define_constant(onnx::TensorProto&& value) {
  graph_.owned_constants.push_back(std::move(value));
  define_constant(graph_.owned_constants.back());
}

void NodeContext::alias_constant(std::size_t i) {
  if (node_.output_size() == 0) return;
  const std::string& from = input_name(i);
  if (const auto bound = graph_.bound_inputs.find(from); bound != graph_.bound_inputs.end())
    graph_.bound_inputs[node_.output(0)] = bound->second;
  else
    graph_.constants[node_.output(0)] = graph_.constants.at(from);
}

void NodeContext::unsupported(std::string what) {
  failed_ = true;
  graph_.diags->error(where_, std::move(what));
}

void NodeContext::close_outputs() {
  for (const std::string& out : node_.output()) {
    if (out.empty()) continue;
    const bool defined = graph_.values.contains(out) || graph_.constants.contains(out) ||
                         graph_.bound_inputs.contains(out);
    if (failed_ || !defined) {
      graph_.values.erase(out);
      graph_.unknown.insert(out);
    }
  }
}

}  // namespace rnc::onnx_import
