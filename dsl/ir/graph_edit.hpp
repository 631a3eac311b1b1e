// Graph rewriting utilities the passes share: who produces a value, and folding consumers into
// their producers during one sweep over the nodes.
#pragma once

#include <vector>

#include "dsl/ir/graph.hpp"

namespace rnc {

// Index of the node producing each value (-1 for the graph input and dead values).
std::vector<int> producers(const Graph& graph);

// A pass's worklist: the nodes in order, each visited once, consumers folded into their producers
// as the sweep reaches them. A consumer comes after its producer and a fold changes no earlier
// node, so one sweep finds every match that rescanning after each fold would. Node indices stay
// valid until finish() removes the emptied places.
class FoldSweep {
 public:
  // `uses`: readers of each value, including any a back end records beside the graph.
  FoldSweep(Graph& graph, std::vector<int> uses);

  int size() const { return static_cast<int>(graph_.nodes.size()); }
  Node& node(int index) { return graph_.nodes[static_cast<std::size_t>(index)]; }
  // The node computing `value` when nothing else reads that value, else -1.
  int sole_producer(ValueId value) const;
  // Node `producer` (a convolution) takes over `consumer`'s output value and place, so every
  // input it gained is computed by then; the producer's place is removed by finish().
  void absorb_consumer(int producer, int consumer);
  void finish();

 private:
  Graph& graph_;
  std::vector<int> uses_, producer_;
  std::vector<bool> removed_;
};

}  // namespace rnc
