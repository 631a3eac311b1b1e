#include "codegen/qconv_blocking.hpp"

#include <algorithm>

namespace rnc {

ConvBlocking choose_qconv_blocking(const ConvShape& shape, const VectorIsa& isa) {
  VectorIsa budget = isa;
  budget.registers = std::min(isa.registers, kQConvRegisters);
  ConvBlocking b = choose_conv_blocking(shape, budget);
  b.ic_chunk = 0;
  return b;
}

}  // namespace rnc
