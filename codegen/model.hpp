// What the codegen passes transform: the graph together with its (possibly rewritten) weights.
#pragma once

#include "dsl/graph.hpp"
#include "dsl/weights.hpp"

namespace rnc {

struct Model {
  Graph graph;
  WeightMap weights;
};

// Index of the node producing each value (-1 for the graph input and dead values).
std::vector<int> producers(const Graph& graph);

// Makes node `producer` (a convolution) take over `consumer`'s output value and removes
// `consumer`; the merged node runs at the consumer's position so every input it gained is
// computed by then. Used by every fusion that folds a consumer into the producer's epilogue.
void absorb_consumer(Graph& graph, int producer, int consumer);

}  // namespace rnc
