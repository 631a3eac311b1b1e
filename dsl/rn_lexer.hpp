// The .rn lexer: text -> tokens, each with its line:column. Words are identifiers that may hold
// '.' (b3.0); numbers and strings are JSON's, so a value means in .rn what it means in JSON.
// Newlines are whitespace; "#" starts a comment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsl/diagnostics.hpp"

namespace rnc::rn {

enum class Tok {
  word,
  string,
  number,
  weights,
  lparen,
  rparen,
  lbracket,
  rbracket,
  comma,
  equals,
  arrow,
  invalid,
  end
};

struct Token {
  Tok kind = Tok::end;
  std::string text;      // the source text
  nlohmann::json value;  // the value of a number or string; the prefix of a weights token
  Location where;        // line:column of its first character
};

// Every token of `text`, the last one Tok::end. A lexical error is reported to `diags` and leaves
// a Tok::invalid token, which the parser treats as reported.
std::vector<Token> lex(std::string_view text, Diagnostics& diags);

}  // namespace rnc::rn
