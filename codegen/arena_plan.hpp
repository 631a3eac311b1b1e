// Static activation arena: each arena buffer gets an offset so that buffers alive at the same
// time never overlap. Plain data plus validate(), which tests call on every plan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/program.hpp"

namespace rnc {

struct ArenaPlan {
  std::vector<std::int64_t> offsets;  // per buffer, in floats (-1: not in the arena)
  std::int64_t total_floats = 0;
  std::int64_t lower_bound_floats = 0;  // the largest sum of buffers alive at one step

  // Empty when sound; otherwise what is wrong (overlap of two live buffers, misalignment, ...).
  std::string validate(const std::vector<Buffer>& buffers) const;
};

// Greedy best-fit by decreasing size over liveness intervals (buffers must have first/last step).
ArenaPlan plan_arena(const std::vector<Buffer>& buffers);

}  // namespace rnc
