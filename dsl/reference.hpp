// The reference interpreter: runs a Graph op by op with the naive loops of dsl/ir/ops (double
// accumulation). It is the oracle every generated path is tested against.
#pragma once

#include <functional>

#include "dsl/ir/graph.hpp"
#include "dsl/weights.hpp"

namespace rnc {

// Called after each node with the node and its output (e.g. to dump it).
using NodeObserver = std::function<void(const Node&, const Tensor&)>;

// Throws CompileError if the input's shape differs from the graph's.
Tensor run_reference(const Graph& graph, const WeightMap& weights, const Tensor& input,
                     const NodeObserver& observe = {});

// The pieces of run_reference, for interpreters of graphs a back end has annotated: the check of
// the input's shape (CompileError), and one node's output from the values computed so far.
void check_input_shape(const Graph& graph, const Tensor& input);
Tensor run_node(const Graph& graph, const WeightMap& weights, const Node& node, const std::vector<Tensor>& values);

}  // namespace rnc
