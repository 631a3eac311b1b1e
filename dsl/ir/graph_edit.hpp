// Graph rewriting utilities the passes share: who produces a value, and folding a consumer
// into its producer.
#pragma once

#include <vector>

#include "dsl/ir/graph.hpp"

namespace rnc {

// Index of the node producing each value (-1 for the graph input and dead values).
std::vector<int> producers(const Graph& graph);

// Makes node `producer` (a convolution) take over `consumer`'s output value and removes
// `consumer`; the merged node runs at the consumer's position so every input it gained is
// computed by then. Used by every fusion that folds a consumer into the producer's epilogue.
void absorb_consumer(Graph& graph, int producer, int consumer);

}  // namespace rnc
