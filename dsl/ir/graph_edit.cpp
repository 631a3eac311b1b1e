#include "dsl/ir/graph_edit.hpp"

#include "dsl/invariant.hpp"

namespace rnc {

std::vector<int> producers(const Graph& graph) {
  std::vector<int> out(graph.values.size(), -1);
  for (std::size_t i = 0; i < graph.nodes.size(); ++i)
    out[static_cast<std::size_t>(graph.nodes[i].output)] = static_cast<int>(i);
  return out;
}

FoldSweep::FoldSweep(Graph& graph, std::vector<int> uses)
    : graph_(graph), uses_(std::move(uses)), producer_(producers(graph)), removed_(graph.nodes.size(), false) {}

int FoldSweep::sole_producer(ValueId value) const {
  const auto v = static_cast<std::size_t>(value);
  return uses_[v] == 1 ? producer_[v] : -1;
}

// Readers do not change: the consumer read the producer's output (now computed by no node) and
// hands its other inputs to the merged node, which computes the consumer's output in its place.
void FoldSweep::absorb_consumer(int producer, int consumer) {
  check_invariant(producer < consumer && !removed_[static_cast<std::size_t>(producer)],
                  "a fold whose producer does not come first");
  Node& target = node(consumer);
  const ValueId output = target.output;
  producer_[static_cast<std::size_t>(node(producer).output)] = -1;
  target = std::move(node(producer));
  target.output = output;
  removed_[static_cast<std::size_t>(producer)] = true;
}

void FoldSweep::finish() {
  std::vector<Node> kept;
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i)
    if (!removed_[i]) kept.push_back(std::move(graph_.nodes[i]));
  graph_.nodes = std::move(kept);
  removed_.assign(graph_.nodes.size(), false);
  producer_ = producers(graph_);
}

}  // namespace rnc
