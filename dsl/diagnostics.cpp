#include "dsl/diagnostics.hpp"

namespace rnc {

std::string Diagnostics::format(const std::string& file) const {
  std::string out;
  for (const Diagnostic& d : items_) out += d.where.in_file(file) + ": " + d.what + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

void throw_if_errors(const Diagnostics& diags, const std::string& file) {
  if (!diags.ok()) throw CompileError(diags.format(file));
}

}  // namespace rnc
