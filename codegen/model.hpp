// What the codegen passes transform: the graph with the back end's decisions beside it, the
// epilogues fused into its convolutions (codegen/epilogue.hpp) and the batchnorms folded into
// them. No weights: the passes decide from shapes alone, and the folds are applied to the
// weights when they are packed (codegen/pack_weights.hpp).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "codegen/epilogue.hpp"
#include "dsl/ir/graph.hpp"

namespace rnc {

// A batchnorm folded into the convolution before it (state_dict prefixes of both).
struct BatchnormFold {
  std::string conv, norm;
  double eps = 0;
  bool conv_had_bias = false;
};

struct Model {
  Graph graph;
  Epilogues epilogues;               // set by fuse_epilogues
  std::vector<BatchnormFold> folds;  // set by fold_batchnorm, in order
  std::set<ValueId> int8_convs;      // convolutions computed in int8, by their value (plan_int8)
  int int8_weight_max = 127;         // their weights' largest |q|, the target's (plan_int8)
};

// Readers of each value: the graph's (the output counts as one) and the fused residual adds'.
std::vector<int> use_counts(const Model& model);

}  // namespace rnc
