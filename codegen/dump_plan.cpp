#include "codegen/dump_plan.hpp"

namespace rnc {

std::vector<DumpedValue> dump_plan(const Program& program) {
  std::vector<DumpedValue> plan;
  for (std::size_t i = 0; i < program.steps.size(); ++i) {
    const Step& step = program.steps[i];
    const int index = static_cast<int>(i);
    const Buffer& out = program.buffers[static_cast<std::size_t>(step.out)];
    // An int8 conversion copies a value that is dumped where it was computed.
    if (step.kernel == Kernel::kQuantizeBlocked || step.kernel == Kernel::kDequantizeBlocked) continue;
    // Staging the input only changes its layout: dump the input as the caller gave it.
    if (step.in0 >= 0 && program.buffers[static_cast<std::size_t>(step.in0)].storage == Storage::kInput) {
      plan.push_back({program.buffers[static_cast<std::size_t>(step.in0)].name, index, step.in0});
      continue;
    }
    // The final reorder into the caller's NCHW output copies the value dumped just before.
    if (out.storage == Storage::kOutput && out.layout == Layout::kNchw) continue;
    plan.push_back({out.name, index, step.out});
  }
  return plan;
}

}  // namespace rnc
