// What the codegen passes transform: the graph together with its (possibly rewritten) weights and
// the epilogues fused into its convolutions (codegen/epilogue.hpp).
#pragma once

#include "codegen/epilogue.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/weights.hpp"

namespace rnc {

struct Model {
  Graph graph;
  WeightMap weights;
  Epilogues epilogues;  // set by fuse_epilogues
};

// Readers of each value: the graph's (the output counts as one) and the fused residual adds'.
std::vector<int> use_counts(const Model& model);

}  // namespace rnc
