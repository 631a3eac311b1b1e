// The epilogues the back end fuses into convolutions: a residual add and a ReLU applied to the
// results while they are still in registers. They are back-end decisions, so they live beside the
// front-end graph (Model::epilogues, set by fuse_epilogues) instead of in its ops: a fused
// convolution stays a plain conv2d node that has taken over its consumers' output value.
#pragma once

#include <map>
#include <string>

#include "dsl/ir/graph.hpp"
#include "dsl/reference.hpp"
#include "dsl/weights.hpp"

namespace rnc {

struct Model;

// Applied after the bias, in this order: out = relu(conv(x) + bias + residual).
struct Epilogue {
  ValueId residual = -1;  // added to the results; -1: none
  bool relu = false;
  bool has_residual() const { return residual >= 0; }
};

// By the value the convolution computes (value ids survive every pass; node positions do not).
using Epilogues = std::map<ValueId, Epilogue>;

// The node's epilogue, or nullptr when nothing is fused into it.
const Epilogue* epilogue_of(const Epilogues& epilogues, const Node& node);

// "add+relu": the fused parts, as comments and --dump-passes name them.
std::string epilogue_summary(const Epilogue& epilogue);

// dump_graph with each convolution's epilogue: "conv3x3/s1/p1+bias+add+relu(x, residual)".
std::string dump_model(const Model& model);

// The back end's reference: the reference interpreter's ops, each followed by its node's epilogue
// (in double, like the ops). What the fused graph computes with `weights` (batchnorms folded:
// fold_batchnorm_weights), for tests of the passes and for calibration (`observe` sees each node's
// output after its epilogue).
Tensor run_fused_reference(const Model& model, const WeightMap& weights, const Tensor& input,
                           const NodeObserver& observe = {});

// The epilogue on a convolution's results (residual: the added tensor, or nullptr), in double.
void apply_epilogue(const Epilogue& e, const Tensor* residual, Tensor& out);

}  // namespace rnc
