// What the codegen passes transform: the graph together with its (possibly rewritten) weights.
#pragma once

#include "dsl/ir/graph.hpp"
#include "dsl/weights.hpp"

namespace rnc {

struct Model {
  Graph graph;
  WeightMap weights;
};

}  // namespace rnc
