#include "dsl/rn_lexer.hpp"

#include <cctype>
#include <utility>

#include <fmt/format.h>

#include "dsl/spec_rn_syntax.hpp"

namespace rnc::rn {
namespace {

std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x7f ? fmt::format("'{}'", c) : fmt::format("byte 0x{:02x}", u);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? -- by hand: std::regex recurses per character.
bool is_json_number(std::string_view s) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i - from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t int_start = i;
  const std::size_t int_digits = digits();
  if (int_digits == 0 || (int_digits > 1 && s[int_start] == '0')) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

class Lexer {
 public:
  Lexer(std::string_view text, Diagnostics& diags) : text_(text), diags_(diags) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skip_space_and_comments();
      tokens.push_back(next());
      if (tokens.back().kind == Tok::end) return tokens;
    }
  }

 private:
  char peek(std::size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }
  bool at_end() const { return i_ >= text_.size(); }
  Location here() const { return Location::line_column(line_, column_); }

  void advance() {
    if (text_[i_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++i_;
  }

  void skip_space_and_comments() {
    while (!at_end()) {
      const char c = peek();
      if (c == '#') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else {
        return;
      }
    }
  }

  // The token from `begin` to here.
  Token make(Tok kind, const Location& where, std::size_t begin) const {
    Token t;
    t.kind = kind;
    t.text = std::string(text_.substr(begin, i_ - begin));
    t.where = where;
    return t;
  }

  Token invalid(const Location& where, std::size_t begin, std::string message) {
    diags_.error(where, std::move(message));
    return make(Tok::invalid, where, begin);
  }

  Token next() {
    const Location where = here();
    const std::size_t begin = i_;
    if (at_end()) return make(Tok::end, where, begin);
    const char c = peek();
    if (is_word_start(c)) {
      while (!at_end() && is_word_char(peek())) advance();
      return make(Tok::word, where, begin);
    }
    if (c == '-' && peek(1) == '>') {
      advance();
      advance();
      return make(Tok::arrow, where, begin);
    }
    if (c == '-' || is_digit(c)) return number(where, begin);
    if (c == '"') return string(where, begin);
    if (c == '@') return weights(where, begin);
    static constexpr std::pair<char, Tok> kPunctuation[] = {{'(', Tok::lparen},   {')', Tok::rparen},
                                                            {'[', Tok::lbracket}, {']', Tok::rbracket},
                                                            {',', Tok::comma},    {'=', Tok::equals}};
    for (const auto& [ch, kind] : kPunctuation)
      if (c == ch) {
        advance();
        return make(kind, where, begin);
      }
    advance();
    return invalid(where, begin, fmt::format("unexpected character {}", describe_char(c)));
  }

  // JSON's number syntax, so a number means in .rn what it means in JSON.
  Token number(const Location& where, std::size_t begin) {
    if (peek() == '-') advance();
    while (!at_end() && (is_word_char(peek()) ||
                         ((peek() == '+' || peek() == '-') && (text_[i_ - 1] == 'e' || text_[i_ - 1] == 'E'))))
      advance();
    Token t = make(Tok::number, where, begin);
    if (!is_json_number(t.text))
      return invalid(
          where, begin,
          fmt::format("invalid number \"{}\" (expected an integer like 64 or -1, or a number like 1e-5 or 0.5)",
                      t.text));
    try {
      t.value = nlohmann::json::parse(t.text);
    } catch (const nlohmann::json::exception&) {
      return invalid(where, begin, fmt::format("number {} is out of range", t.text));
    }
    return t;
  }

  Token string(const Location& where, std::size_t begin) {
    advance();  // the opening quote
    while (!at_end() && peek() != '"' && peek() != '\n') {
      if (peek() == '\\' && i_ + 1 < text_.size() && text_[i_ + 1] != '\n') advance();
      advance();
    }
    if (at_end() || peek() != '"')
      return invalid(where, begin, "unterminated string (a string ends with '\"' on the same line)");
    advance();
    Token t = make(Tok::string, where, begin);
    try {
      t.value = nlohmann::json::parse(t.text);  // JSON's escapes and UTF-8 rules
    } catch (const nlohmann::json::exception&) {
      return invalid(where, begin,
                     fmt::format("invalid string {} (escapes are JSON's: \\\" \\\\ \\n \\t \\uXXXX)", t.text));
    }
    return t;
  }

  Token weights(const Location& where, std::size_t begin) {
    advance();  // '@'
    if (peek() == '"') {
      Token quoted = string(where, i_);
      if (quoted.kind == Tok::invalid) return quoted;
      quoted.kind = Tok::weights;
      quoted.text = "@" + quoted.text;
      return quoted;
    }
    const std::size_t prefix = i_;
    while (!at_end() && is_prefix_char(peek())) advance();
    if (i_ == prefix)
      return invalid(where, begin, "expected a state_dict prefix after '@' (e.g. @0.0 or @\"layer 1\")");
    Token t = make(Tok::weights, where, begin);
    t.value = std::string(text_.substr(prefix, i_ - prefix));
    return t;
  }

  std::string_view text_;
  Diagnostics& diags_;
  std::size_t i_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace

std::vector<Token> lex(std::string_view text, Diagnostics& diags) { return Lexer(text, diags).run(); }

}  // namespace rnc::rn
