#include "dsl/diagnostics.hpp"

#include <cctype>

namespace rnc {

std::string Diagnostics::format(const std::string& file) const {
  std::string out;
  for (const Diagnostic& d : items_) {
    const bool line_col = !d.where.empty() && std::isdigit(static_cast<unsigned char>(d.where[0]));
    out += file;
    if (!d.where.empty()) out += (line_col ? ":" : ": ") + d.where;
    out += ": " + d.what + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

void throw_if_errors(const Diagnostics& diags, const std::string& file) {
  if (!diags.ok()) throw CompileError(diags.format(file));
}

}  // namespace rnc
