// The .rn parser: tokens -> the spec document they stand for, each value located by the
// line:column it was written at. Grammar (docs/spec.md, "Text syntax (.rn)"):
//
//   file      = statement*
//   statement = "network" value | "input" value | "output" value
//             | name "=" [value "->"] body
//   body      = "[" layer* "]" | layer+
//   layer     = op ["(" [arg ("," arg)*] ")"] ("@" weights | "as" value | "from" value)*
//   arg       = value | word | key "=" value          (positional, flag = true, keyword)
//   value     = number | string | word | true | false | null | "[" [value ("," value)*] "]"
//
// A stage ends where the next statement starts (a name followed by "=", or a header keyword).
#pragma once

#include <string_view>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "dsl/rn_lexer.hpp"
#include "dsl/spec_value.hpp"

namespace rnc::rn {

// The document of `tokens` (from lex), keys in the order of the JSON form. Every syntax error is
// reported to `diags`, and the parser recovers at the next argument, layer or statement: the
// item with the error is marked broken and keeps only its name, so the reader says nothing more
// about it. Where a value is: an attribute's key (or its value, when positional), a layer's op,
// a stage's name, a header's keyword, a list's '[' and each element.
SpecValue parse(const std::vector<Token>& tokens, Diagnostics& diags);

// lex and parse.
SpecValue parse_text(std::string_view text, Diagnostics& diags);

}  // namespace rnc::rn
