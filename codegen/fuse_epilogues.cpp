#include "codegen/fuse_epilogues.hpp"

#include "dsl/ir/graph_edit.hpp"

namespace rnc {
namespace {

// A match: consumer node `consumer` can be folded into producer `producer`.
struct Match {
  int producer = -1, consumer = -1;
  int residual_operand = -1;  // for add: index (0/1) of the operand that is not the producer's
};

// The convolution producing `value` when it is free to take an epilogue, else -1.
int fusable_conv(const Graph& g, ValueId value, const std::vector<int>& uses, const std::vector<int>& producer,
                 bool needs_no_residual) {
  const int p = producer[static_cast<std::size_t>(value)];
  if (p < 0 || uses[static_cast<std::size_t>(value)] != 1) return -1;
  const auto* conv = std::get_if<Conv2d>(&g.nodes[static_cast<std::size_t>(p)].op);
  if (!conv || conv->fused_relu || (needs_no_residual && conv->fused_residual)) return -1;
  return p;
}

std::optional<Match> find_residual(const Graph& g, const std::vector<int>& uses, const std::vector<int>& producer) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (!std::holds_alternative<Add>(g.nodes[i].op)) continue;
    for (int operand = 0; operand < 2; ++operand) {
      const int p = fusable_conv(g, g.nodes[i].inputs[static_cast<std::size_t>(operand)], uses, producer, true);
      if (p >= 0) return Match{p, static_cast<int>(i), 1 - operand};
    }
  }
  return std::nullopt;
}

std::optional<Match> find_relu(const Graph& g, const std::vector<int>& uses, const std::vector<int>& producer) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (!std::holds_alternative<Relu>(g.nodes[i].op)) continue;
    const int p = fusable_conv(g, g.nodes[i].inputs[0], uses, producer, false);
    if (p >= 0) return Match{p, static_cast<int>(i), -1};
  }
  return std::nullopt;
}

// Applies `find` until it finds nothing; `apply` edits the producer before it absorbs the consumer.
template <typename Find, typename Apply>
void fuse_all(Graph& g, Find find, Apply apply) {
  while (auto m = find(g, g.use_counts(), producers(g))) {
    auto& producer = g.nodes[static_cast<std::size_t>(m->producer)];
    apply(producer, g.nodes[static_cast<std::size_t>(m->consumer)], *m);
    absorb_consumer(g, m->producer, m->consumer);
  }
}

}  // namespace

Graph fuse_epilogues(Graph g, const FusionPolicy& policy) {
  if (policy.residual_add)
    fuse_all(g, find_residual, [](Node& conv, const Node& add, const Match& m) {
      std::get<Conv2d>(conv.op).fused_residual = true;
      conv.inputs.push_back(add.inputs[static_cast<std::size_t>(m.residual_operand)]);
    });
  if (policy.relu)
    fuse_all(g, find_relu, [](Node& conv, const Node&, const Match&) { std::get<Conv2d>(conv.op).fused_relu = true; });
  return g;
}

}  // namespace rnc
