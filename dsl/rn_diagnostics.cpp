#include "dsl/rn_diagnostics.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dsl/invariant.hpp"

namespace rnc::rn {
namespace {

std::string_view source_line(std::string_view text, int line) {
  std::size_t begin = 0;
  for (int l = 1; l < line; ++l) {
    const std::size_t nl = text.find('\n', begin);
    if (nl == std::string_view::npos) return {};
    begin = nl + 1;
  }
  std::size_t end = text.find('\n', begin);
  if (end == std::string_view::npos) end = text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  return text.substr(begin, end - begin);
}

}  // namespace

std::string with_source_line(std::string_view text, const Location& where, const std::string& message) {
  const std::string_view line = source_line(text, where.line());
  std::string caret;
  for (std::size_t i = 0; i + 1 < static_cast<std::size_t>(where.column()) && i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: same column on screen
    caret += c == '\t' ? '\t' : ' ';
  }
  return fmt::format("{}\n{:>5} | {}\n      | {}^", message, where.line(), line, caret);
}

std::string format_with_source(const Diagnostics& diags, std::string_view text, const std::string& file) {
  std::vector<Diagnostic> items = diags.items();
  for (const Diagnostic& d : items)
    check_invariant(d.where.has_line(), "a .rn diagnostic without a line:column: " + d.what);
  std::stable_sort(items.begin(), items.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.where.line(), a.where.column()) < std::pair(b.where.line(), b.where.column());
  });
  Diagnostics quoted;
  for (const Diagnostic& d : items) quoted.error(d.where, with_source_line(text, d.where, d.what));
  return quoted.format(file);
}

}  // namespace rnc::rn
