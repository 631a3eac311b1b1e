#include "dsl/location.hpp"

#include <fmt/format.h>

namespace rnc {

Location Location::line_column(int line, int column) {
  Location at;
  at.line_ = line;
  at.column_ = column;
  return at;
}

Location Location::child(std::string_view key) const {
  return has_line() ? *this : Location(path_ + "/" + pointer_token(key));
}

Location Location::child(std::size_t index) const {
  return has_line() ? *this : Location(fmt::format("{}/{}", path_, index));
}

std::string Location::to_string() const { return has_line() ? fmt::format("{}:{}", line_, column_) : path_; }

std::string Location::in_file(const std::string& file) const {
  if (has_line()) return fmt::format("{}:{}:{}", file, line_, column_);
  return path_.empty() ? file : fmt::format("{}: {}", file, path_);
}

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace rnc
