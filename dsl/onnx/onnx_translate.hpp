// Inside the ONNX importer: the state of a graph being translated and the view one node's
// translator has of it. Each supported op type has a translator (dsl/onnx/onnx_ops.cpp) that
// reads the node's attributes and inputs and adds spec layers, or reports what it cannot take.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include "dsl/diagnostics.hpp"
#include "dsl/ir/shape.hpp"

namespace rnc::onnx_import {

// The layer index that stands for the network input.
inline constexpr int kNetworkInput = -1;

// An ONNX value as the spec computes it.
struct SpecValueRef {
  int layer = kNetworkInput;  // the layer whose output it is
  Shape shape;
};

// A spec layer in the making; its name, inputs and weights prefix are written at the end, when
// every layer is known (docs/onnx.md, "Names").
struct LayerDraft {
  nlohmann::ordered_json attrs;                        // "op" and the op's attributes
  std::vector<int> inputs;                             // producing layers
  std::vector<std::pair<std::string, Tensor>> params;  // state_dict suffix -> value
  std::string state_dict_prefix;  // the initializers' own prefix ("layer1.0.conv1"), when kept unchanged
  std::string node_name;          // of the ONNX node, for the layer's name and stage
  Location where;
};

// Everything known about the graph so far.
struct GraphState {
  std::string model_dir;  // external data
  int opset = 0;
  Diagnostics* diags = nullptr;
  std::map<std::string, const onnx::TensorProto*> constants;  // initializers and Constant outputs
  std::deque<onnx::TensorProto> owned_constants;              // Constant nodes' value_float(s)/int(s)
  std::map<std::string, Tensor> bound_inputs;
  std::map<std::string, SpecValueRef> values;  // computed values by ONNX name
  std::set<std::string> unknown;               // values after an unsupported node: not reported again
  std::map<std::string, int> readers;          // nodes (and graph outputs) reading each value
  std::vector<LayerDraft> layers;
};

class NodeContext {
 public:
  NodeContext(const onnx::NodeProto& node, Location where, GraphState& graph);
  NodeContext(const NodeContext&) = delete;
  NodeContext& operator=(const NodeContext&) = delete;

  const onnx::NodeProto& node() const { return node_; }
  int opset() const { return graph_.opset; }
  const Location& where() const { return where_; }

  // Attributes, each read once by name; finish() reports the ones no translator read.
  bool has(std::string_view name) const;
  std::int64_t integer(std::string_view name, std::int64_t fallback);
  std::vector<std::int64_t> integers(std::string_view name, std::vector<std::int64_t> fallback);
  float real(std::string_view name, float fallback);
  std::string text(std::string_view name, std::string fallback);
  const onnx::TensorProto* tensor_attribute(std::string_view name);
  // An attribute that has no effect in inference (BatchNormalization's momentum, say).
  void ignore(std::string_view name);
  void finish();

  // Inputs. An empty name (an omitted optional input) counts as absent.
  bool has_input(std::size_t i) const;
  bool is_constant(std::size_t i) const;
  // The value the spec computes, or nullopt (reported unless it follows an earlier report).
  std::optional<SpecValueRef> activation(std::size_t i);
  // A constant input's values, or nullopt (reported).
  std::optional<Tensor> constant(std::size_t i);
  std::optional<std::vector<std::int64_t>> integer_constant(std::size_t i);
  // The state_dict prefix of a constant input named "<prefix>.<suffix>", else "".
  std::string state_dict_prefix(std::size_t i, std::string_view suffix) const;

  // Outputs.
  bool output_used(std::size_t i) const;
  int output_readers(std::size_t i) const;
  // Adds a layer computing output 0.
  void add_layer(LayerDraft layer, const Shape& out);
  // Output 0 is `value` itself (Identity, Dropout, a flatten of a [N, K] tensor).
  void alias(const SpecValueRef& value);
  // Output 0 is `value`, now computed by `layer` (a bias folded into it).
  LayerDraft& layer_of(const SpecValueRef& value) { return graph_.layers[static_cast<std::size_t>(value.layer)]; }
  // Output 0 is a constant: one of the model's tensors, or one made from a Constant's attribute.
  void define_constant(const onnx::TensorProto& value);
  void define_constant(onnx::TensorProto&& value);
  // Output 0 is constant input i under another name.
  void alias_constant(std::size_t i);

  // A problem with this node; its outputs become unknown.
  void unsupported(std::string what);
  bool failed() const { return failed_; }
  // Marks the outputs unknown when the node failed or defined nothing.
  void close_outputs();

 private:
  const onnx::AttributeProto* attribute(std::string_view name, onnx::AttributeProto::AttributeType type);
  const std::string& input_name(std::size_t i) const;
  // A constant input read by `read`, or nullopt (reported) when it is not one or cannot be read.
  template <class Read>
  auto read_constant(std::size_t i, const Read& read) -> std::optional<decltype(read(onnx::TensorProto{}))>;

  const onnx::NodeProto& node_;
  Location where_;
  GraphState& graph_;
  std::set<std::string, std::less<>> read_;
  bool failed_ = false;
};

// The translator of each supported op type (the ONNX domain), by op type.
using Translator = std::function<void(NodeContext&)>;
const std::map<std::string, Translator, std::less<>>& translators();

}  // namespace rnc::onnx_import
