// The IR: values (tensors with inferred shapes) and nodes (ops) in topological order, addressed by
// integer ids. Built once by a spec reader with every shape checked; passes return new graphs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dsl/ir/ops/ops.hpp"
#include "dsl/ir/shape.hpp"
#include "dsl/location.hpp"

namespace rnc {

using ValueId = int;

struct Value {
  std::string name;  // the producing node's name, or "input"
  Shape shape;
};

struct Node {
  std::string name;     // "b3.0.conv1": stage, unit and child, as in messages and generated comments
  std::string stage;    // "b3"
  std::string weights;  // state_dict prefix ("2.0.conv1"); empty for ops without parameters
  Location where;       // of the spec entry this node came from: a JSON pointer or a .rn line:column
  Op op;
  std::vector<ValueId> inputs;
  ValueId output = -1;
};

// A parameter tensor a node needs, with its full state_dict name.
struct ParamRef {
  int node = -1;
  std::string name;  // "2.0.conv1.weight"
  Shape shape;
};

struct Graph {
  std::string name;
  ValueId input = -1;
  ValueId output = -1;
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<std::string> stages;  // in order

  const Shape& shape(ValueId id) const { return values[static_cast<std::size_t>(id)].shape; }
  std::vector<Shape> input_shapes(const Node& node) const;
  std::vector<ParamSpec> params(const Node& node) const;
  std::int64_t macs(const Node& node) const;
  // Every parameter of every node, in node order.
  std::vector<ParamRef> all_params() const;
  // Number of nodes reading each value (the graph output counts as one reader).
  std::vector<int> use_counts() const;
  ValueId add_value(std::string name, Shape shape);
};

std::int64_t total_macs(const Graph& graph);
// What a back end adds to a node's line of dump_graph (e.g. an epilogue it fused into the node).
struct NodeNote {
  std::string summary_suffix;         // after the op summary, e.g. "+add+relu"
  std::vector<ValueId> extra_inputs;  // values it reads besides the node's inputs
};
using NodeNotes = std::function<NodeNote(const Node&)>;

// Text form of a graph, one node per line, for --dump-passes and tests.
std::string dump_graph(const Graph& graph, const NodeNotes& notes = {});
std::int64_t total_params(const Graph& graph);

}  // namespace rnc
