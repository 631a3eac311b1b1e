#include "codegen/fuse_epilogues.hpp"

#include "dsl/ir/graph_edit.hpp"

namespace rnc {
namespace {

// The convolution producing `value` when it is free to take an epilogue, else -1.
int fusable_conv(const Model& m, FoldSweep& sweep, ValueId value, bool needs_no_residual) {
  const int p = sweep.sole_producer(value);
  if (p < 0 || !std::holds_alternative<Conv2d>(sweep.node(p).op)) return -1;
  const Epilogue* e = epilogue_of(m.epilogues, sweep.node(p));
  if (e && (e->relu || (needs_no_residual && e->has_residual()))) return -1;
  return p;
}

// The producer takes over the consumer; its epilogue (if any) moves with the value it computes.
void absorb(Model& m, FoldSweep& sweep, int producer, int consumer, const auto& extend) {
  Epilogue e;
  if (auto old = m.epilogues.extract(sweep.node(producer).output)) e = old.mapped();
  extend(e);
  sweep.absorb_consumer(producer, consumer);
  m.epilogues[sweep.node(consumer).output] = e;
}

// add(a, b) where a (tried first) or b is a fusable convolution's output: it adds the other.
void fuse_residual_adds(Model& m) {
  FoldSweep sweep(m.graph, use_counts(m));
  for (int i = 0; i < sweep.size(); ++i) {
    if (!std::holds_alternative<Add>(sweep.node(i).op)) continue;
    for (int operand = 0; operand < 2; ++operand) {
      const auto& inputs = sweep.node(i).inputs;
      const int p = fusable_conv(m, sweep, inputs[static_cast<std::size_t>(operand)], true);
      if (p < 0) continue;
      const ValueId residual = inputs[static_cast<std::size_t>(1 - operand)];
      absorb(m, sweep, p, i, [&](Epilogue& e) { e.residual = residual; });
      break;
    }
  }
  sweep.finish();
}

// relu(x) where x is a fusable convolution's output.
void fuse_relus(Model& m) {
  FoldSweep sweep(m.graph, use_counts(m));
  for (int i = 0; i < sweep.size(); ++i) {
    if (!std::holds_alternative<Relu>(sweep.node(i).op)) continue;
    const int p = fusable_conv(m, sweep, sweep.node(i).inputs[0], false);
    if (p >= 0) absorb(m, sweep, p, i, [](Epilogue& e) { e.relu = true; });
  }
  sweep.finish();
}

}  // namespace

Model fuse_epilogues(Model model, const FusionPolicy& policy) {
  if (policy.residual_add) fuse_residual_adds(model);
  if (policy.relu) fuse_relus(model);
  return model;
}

}  // namespace rnc
