#pragma once
#include "codegen/model.hpp"

namespace rnc {

// Which epilogues may be fused into a convolution. The patterns live in fuse_epilogues.cpp;
// this policy only decides whether each is applied (e.g. a debugging build turns them off).
struct FusionPolicy {
  bool residual_add = true;  // conv -> add(conv_out, other)  => conv with residual input
  bool relu = true;          // conv -> relu                   => conv with ReLU epilogue
};

// Fuses residual adds and ReLUs into the convolution before them, so they are applied while the
// results are still in registers: the add or relu node disappears, the convolution takes over its
// output value and place, and model.epilogues records what it applies. A convolution whose output
// has another reader is left alone.
Model fuse_epilogues(Model model, const FusionPolicy& policy = {});

}  // namespace rnc
