// Identifiers: the network and stage names of a spec and resnetc's --name, which become C++
// namespaces and file names. One definition for the spec readers, the command line and the .rn
// lexer, whose words are identifiers that may also hold '.' (dsl/spec_rn_syntax.hpp).
#pragma once

#include <algorithm>
#include <string_view>

namespace rnc {

// For messages: "expected an identifier ([A-Za-z_][A-Za-z0-9_]*), ...".
inline constexpr std::string_view kIdentifierPattern = "[A-Za-z_][A-Za-z0-9_]*";

// ASCII only, whatever the locale, as C++ names need.
constexpr bool is_identifier_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
constexpr bool is_identifier_char(char c) { return is_identifier_start(c) || (c >= '0' && c <= '9'); }

// A loop, not std::regex, which recurses per character of a long name.
constexpr bool is_identifier(std::string_view s) {
  return !s.empty() && is_identifier_start(s.front()) && std::all_of(s.begin(), s.end(), is_identifier_char);
}

}  // namespace rnc
