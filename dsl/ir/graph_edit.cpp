#include "dsl/ir/graph_edit.hpp"

namespace rnc {

std::vector<int> producers(const Graph& graph) {
  std::vector<int> out(graph.values.size(), -1);
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) out[static_cast<std::size_t>(graph.nodes[i].output)] = static_cast<int>(i);
  return out;
}

void absorb_consumer(Graph& graph, int producer, int consumer) {
  Node merged = std::move(graph.nodes[static_cast<std::size_t>(producer)]);
  merged.output = graph.nodes[static_cast<std::size_t>(consumer)].output;
  graph.nodes[static_cast<std::size_t>(consumer)] = std::move(merged);
  graph.nodes.erase(graph.nodes.begin() + producer);
}

}  // namespace rnc
