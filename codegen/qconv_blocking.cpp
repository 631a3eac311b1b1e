#include "codegen/qconv_blocking.hpp"

#include <algorithm>

namespace rnc {

ConvBlocking choose_qconv_blocking(const ConvShape& shape, const VectorIsa& isa) {
  VectorIsa budget = isa;
  budget.registers = std::min(isa.registers, kQConvRegisters);
  ConvBlocking b = choose_conv_blocking(shape, budget);
  // With 16 registers (AVX2) the tile must also fit the vpmaddwd emulation's registers: the float
  // rule's best tile within a smaller budget until it does (1 x 1 x 1 always fits).
  if (isa.registers <= 16)
    while (qconv_emulation_registers(b) > isa.registers) {
      budget.registers = b.ow_block * b.oh_block * b.oc_blocks + b.oc_blocks;  // excludes b
      b = choose_conv_blocking(shape, budget);
    }
  b.ic_chunk = 0;
  return b;
}

}  // namespace rnc
