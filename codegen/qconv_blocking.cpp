#include "codegen/qconv_blocking.hpp"

#include <algorithm>

namespace rnc {

ConvBlocking choose_qconv_blocking(const ConvShape& shape, const VectorIsa& isa) {
  // The float rule's tiles take accumulators + weights + 1 registers; MaddubsDot needs 2 more.
  VectorIsa budget = isa;
  budget.registers = std::min(isa.registers - 2, kQConvRegisters);
  ConvShape whole = shape;
  whole.passes = false;  // weights a tile walks through count as they are: no pass keeps them in L1
  return choose_conv_blocking(whole, budget);
}

}  // namespace rnc
