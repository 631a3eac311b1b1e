// How a .rn file's problems are shown: in text order, each as FILE:LINE:COLUMN: what, followed by
// the line it is on with a caret under the column, the way compilers show them.
#pragma once

#include <string>
#include <string_view>

#include "dsl/diagnostics.hpp"

namespace rnc::rn {

// "MESSAGE\n   12 | source line\n      |     ^": the message with the line of `where` quoted.
std::string with_source_line(std::string_view text, const Location& where, const std::string& message);

// Every diagnostic (each at a line:column of `text`) sorted by position, the earliest found first
// among equals, each with its line quoted.
std::string format_with_source(const Diagnostics& diags, std::string_view text, const std::string& file);

}  // namespace rnc::rn
