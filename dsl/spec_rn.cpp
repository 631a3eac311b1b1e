// The .rn parser: text -> tokens -> the JSON document of the spec, with the source position of
// every JSON pointer. Grammar (docs/spec.md, "Text syntax (.rn)"):
//
//   file      = statement*
//   statement = "network" value | "input" value | "output" value
//             | name "=" [value "->"] body
//   body      = "[" layer* "]" | layer+
//   layer     = op ["(" [arg ("," arg)*] ")"] ("@" weights | "as" value | "from" value)*
//   arg       = value | word | key "=" value          (positional, flag = true, keyword)
//   value     = number | string | word | true | false | null | "[" [value ("," value)*] "]"
//
// Newlines are whitespace: a stage ends where the next statement starts (a name followed by
// "=", or a header keyword). "#" starts a comment.
#include "dsl/spec_rn.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dsl/attr_reader.hpp"
#include "dsl/macros.hpp"
#include "dsl/spec_rn_syntax.hpp"

namespace rnc {
namespace {

using ojson = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok { word, string, number, weights, lparen, rparen, lbracket, rbracket, comma, equals, arrow, invalid, end };

struct Token {
  Tok kind = Tok::end;
  std::string text;  // the source text
  ojson value;       // the value of a number or string; the prefix of a weights token
  SourcePos pos;
};

using ErrorList = std::vector<std::pair<SourcePos, std::string>>;

using rn::is_prefix_char;
using rn::is_word_char;
using rn::is_word_start;

std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x7f ? fmt::format("'{}'", c) : fmt::format("byte 0x{:02x}", u);
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? -- by hand: std::regex recurses per character.
bool is_json_number(std::string_view s) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
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
  Lexer(std::string_view text, ErrorList& errors) : text_(text), errors_(errors) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skip_space_and_comments();
      Token t = next();
      tokens.push_back(std::move(t));
      if (tokens.back().kind == Tok::end) return tokens;
    }
  }

 private:
  char peek(std::size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }
  bool at_end() const { return i_ >= text_.size(); }

  void advance() {
    if (text_[i_] == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else {
      ++pos_.column;
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

  Token make(Tok kind, SourcePos pos, std::size_t begin) {
    Token t;
    t.kind = kind;
    t.text = std::string(text_.substr(begin, i_ - begin));
    t.pos = pos;
    return t;
  }

  Token invalid(SourcePos pos, std::size_t begin, std::string message) {
    errors_.emplace_back(pos, std::move(message));
    return make(Tok::invalid, pos, begin);
  }

  Token next() {
    const SourcePos pos = pos_;
    const std::size_t begin = i_;
    if (at_end()) return make(Tok::end, pos, begin);
    const char c = peek();
    if (is_word_start(c)) {
      while (!at_end() && is_word_char(peek())) advance();
      return make(Tok::word, pos, begin);
    }
    if (c == '-' && peek(1) == '>') {
      advance();
      advance();
      return make(Tok::arrow, pos, begin);
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return number(pos, begin);
    if (c == '"') return string(pos, begin);
    if (c == '@') return weights(pos, begin);
    static constexpr std::pair<char, Tok> kPunctuation[] = {{'(', Tok::lparen},   {')', Tok::rparen}, {'[', Tok::lbracket},
                                                            {']', Tok::rbracket}, {',', Tok::comma},  {'=', Tok::equals}};
    for (const auto& [ch, kind] : kPunctuation)
      if (c == ch) {
        advance();
        return make(kind, pos, begin);
      }
    advance();
    return invalid(pos, begin, fmt::format("unexpected character {}", describe_char(c)));
  }

  // JSON's number syntax, so a number means in .rn what it means in JSON.
  Token number(SourcePos pos, std::size_t begin) {
    if (peek() == '-') advance();
    while (!at_end() && (is_word_char(peek()) || ((peek() == '+' || peek() == '-') && (text_[i_ - 1] == 'e' || text_[i_ - 1] == 'E'))))
      advance();
    Token t = make(Tok::number, pos, begin);
    if (!is_json_number(t.text))
      return invalid(pos, begin, fmt::format("invalid number \"{}\" (expected an integer like 64 or -1, or a number like 1e-5 or 0.5)", t.text));
    try {
      t.value = ojson::parse(t.text);
    } catch (const ojson::exception&) {
      return invalid(pos, begin, fmt::format("number {} is out of range", t.text));
    }
    return t;
  }

  Token string(SourcePos pos, std::size_t begin) {
    advance();  // the opening quote
    while (!at_end() && peek() != '"' && peek() != '\n') {
      if (peek() == '\\' && i_ + 1 < text_.size() && text_[i_ + 1] != '\n') advance();
      advance();
    }
    if (at_end() || peek() != '"') return invalid(pos, begin, "unterminated string (a string ends with '\"' on the same line)");
    advance();
    Token t = make(Tok::string, pos, begin);
    try {
      t.value = ojson::parse(t.text);  // JSON's escapes and UTF-8 rules
    } catch (const ojson::exception&) {
      return invalid(pos, begin, fmt::format("invalid string {} (escapes are JSON's: \\\" \\\\ \\n \\t \\uXXXX)", t.text));
    }
    return t;
  }

  Token weights(SourcePos pos, std::size_t begin) {
    advance();  // '@'
    if (peek() == '"') {
      Token quoted = string(pos, i_);
      if (quoted.kind == Tok::invalid) return quoted;
      quoted.kind = Tok::weights;
      quoted.text = "@" + quoted.text;
      return quoted;
    }
    const std::size_t prefix = i_;
    while (!at_end() && is_prefix_char(peek())) advance();
    if (i_ == prefix) return invalid(pos, begin, "expected a state_dict prefix after '@' (e.g. @0.0 or @\"layer 1\")");
    Token t = make(Tok::weights, pos, begin);
    t.value = std::string(text_.substr(prefix, i_ - prefix));
    return t;
  }

  std::string_view text_;
  ErrorList& errors_;
  std::size_t i_ = 0;
  SourcePos pos_;
};

// ---------------------------------------------------------------------------------------------
// Parser

// A syntax error, caught where the parser recovers; an empty message means the lexer already
// reported it.
struct SyntaxError {
  SourcePos pos;
  std::string message;
};

constexpr int kMaxListDepth = 32;

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::end: return "the end of the file";
    case Tok::string: return fmt::format("the string {}", t.text);
    default: return fmt::format("'{}'", t.text);
  }
}

bool is_header_keyword(const Token& t) {
  return t.kind == Tok::word && (t.text == "network" || t.text == "input" || t.text == "output");
}

// "/key", the JSON pointer of a key below its object.
std::string key_pointer(std::string_view key) { return fmt::format("/{}", pointer_token(key)); }

// Positions relative to an item whose final JSON pointer is known later ("" is the item itself).
using LocalPositions = std::vector<std::pair<std::string, SourcePos>>;

// One layer as written: the JSON object it stands for and where its parts are.
struct LayerSyntax {
  ojson object = ojson::object();
  LocalPositions positions;
  bool broken = false;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, RnDocument& out) : tokens_(std::move(tokens)), out_(out) {}

  void run() {
    out_.positions[""] = tokens_.front().pos;
    while (peek().kind != Tok::end) {
      if (!statement_starts()) {
        error_here(fmt::format("expected a statement (NAME = layers, network NAME, input [N, C, H, W] or output "
                               "NAME), found {}",
                               describe(peek())));
        take();
        skip_to_statement();
        continue;
      }
      statement();
    }
    // Without any stage, "no stages" only repeats the syntax errors.
    if (stages_.empty() && !out_.errors.empty()) out_.broken.push_back("/stages");
    ojson doc = ojson::object();
    for (const char* key : {"name", "input"})
      if (header_.contains(key)) doc[key] = header_[key];
    doc["stages"] = stages_;
    if (header_.contains("output")) doc["output"] = header_["output"];
    out_.doc = std::move(doc);
  }

 private:
  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(i_ + ahead, tokens_.size() - 1)]; }
  const Token& take() {
    const Token& t = peek();
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }
  bool at(Tok kind, std::size_t ahead = 0) const { return peek(ahead).kind == kind; }

  [[noreturn]] void fail(const Token& t, std::string message) {
    if (t.kind == Tok::invalid) throw SyntaxError{t.pos, ""};
    throw SyntaxError{t.pos, std::move(message)};
  }
  void error_here(std::string message) {
    if (!at(Tok::invalid)) out_.errors.emplace_back(peek().pos, std::move(message));
  }
  void report(const SyntaxError& e) {
    if (!e.message.empty()) out_.errors.emplace_back(e.pos, e.message);
  }
  const Token& expect(Tok kind, std::string_view what) {
    if (!at(kind)) fail(peek(), fmt::format("expected {}, found {}", what, describe(peek())));
    return take();
  }

  // A name followed by "=", or a header keyword: where a stage's layers end.
  bool statement_starts() const {
    if ((at(Tok::word) || at(Tok::string)) && at(Tok::equals, 1)) return true;
    return is_header_keyword(peek());
  }
  bool layers_end() const { return at(Tok::end) || statement_starts(); }

  bool first_on_line() const { return i_ == 0 || tokens_[i_ - 1].pos.line < peek().pos.line; }

  // Recovery after a syntax error: on to the next statement that starts a line.
  void skip_to_statement() {
    while (!at(Tok::end) && !(statement_starts() && first_on_line())) take();
  }

  void statement() {
    const Token& first = peek();
    if (is_header_keyword(first) && !at(Tok::equals, 1)) return header(first.text);
    stage();
  }

  // network NAME | input [N, C, H, W] | output NAME
  void header(const std::string& keyword) {
    const Token& kw = take();
    const std::string key = keyword == "network" ? "name" : keyword;
    if (header_.contains(key)) {
      const SourcePos first = out_.positions.at(key_pointer(key));
      out_.errors.emplace_back(kw.pos, fmt::format("'{}' is given twice (first at {}:{})", keyword, first.line, first.column));
      skip_to_statement();
      return;
    }
    try {
      LocalPositions positions;
      const ojson v = value(positions, 0);
      header_[key] = keyword == "input" ? ojson{{"shape", v}} : v;
      out_.positions[key_pointer(key)] = kw.pos;
      place(positions, keyword == "input" ? "/input/shape" : key_pointer(key));
    } catch (const SyntaxError& e) {
      report(e);
      out_.broken.push_back("");  // the document-level messages (missing name or input) follow from it
      skip_to_statement();
    }
  }

  // NAME = [VALUE ->] body
  void stage() {
    const Token& name = take();
    const std::string pointer = fmt::format("/stages/{}", stages_.size());
    ojson stage = ojson::object();
    stage["name"] = name.kind == Tok::string ? name.value : ojson(name.text);
    out_.positions[pointer] = name.pos;
    out_.positions[pointer + "/name"] = name.pos;
    const Token& equals = take();
    try {
      if (at(Tok::arrow, 1) && !at(Tok::lbracket)) {
        LocalPositions positions;
        stage["input"] = value(positions, 0);
        place(positions, pointer + "/input");
        take();  // ->
      }
      body(stage, pointer, equals.pos);
    } catch (const SyntaxError& e) {
      report(e);
      stage.erase("op");
      stage["layers"] = ojson::array({placeholder(nullptr)});
      out_.broken.push_back(pointer);
      skip_to_statement();
    }
    stages_.push_back(std::move(stage));
  }

  // A stand-in for an item with a syntax error: its op is not a string, which the JSON reader
  // reports (the report is dropped) and then treats as failed, so nothing depending on it
  // reports more.
  static ojson placeholder(const ojson* name) {
    ojson layer = {{"op", nullptr}};
    if (name) layer["name"] = *name;
    return layer;
  }

  void body(ojson& stage, const std::string& pointer, SourcePos equals) {
    const bool bracketed = at(Tok::lbracket);
    SourcePos open = peek().pos;
    if (bracketed) take();
    std::vector<LayerSyntax> layers;
    while (bracketed ? !at(Tok::rbracket) && !layers_end() : !layers_end()) layers.push_back(layer());
    if (bracketed) {
      if (!at(Tok::rbracket)) fail(peek(), fmt::format("expected ']' to close the layer list opened at {}:{}, found {}", open.line, open.column, describe(peek())));
      take();
    } else if (layers.empty()) {
      fail(peek(), fmt::format("expected a layer after '=' (e.g. conv(64, k=3)@0.0 relu), found {}", describe(peek())));
    }
    out_.positions[pointer + "/layers"] = bracketed ? open : equals;
    if (!bracketed && is_stage_macro(layers)) {
      for (auto& [key, v] : layers.front().object.items()) {
        if (stage.contains(key)) fail_at(pointer_position(layers.front(), key), fmt::format("\"{}\" is given twice: the stage sets it", key));
        stage[key] = v;
      }
      place(layers.front().positions, pointer);
      return;
    }
    stage["layers"] = ojson::array();
    for (std::size_t j = 0; j < layers.size(); ++j) {
      const std::string layer_pointer = fmt::format("{}/layers/{}", pointer, j);
      stage["layers"].push_back(layers[j].object);
      place(layers[j].positions, layer_pointer);
      if (layers[j].broken) out_.broken.push_back(layer_pointer);
    }
  }

  [[noreturn]] static void fail_at(SourcePos pos, std::string message) { throw SyntaxError{pos, std::move(message)}; }
  static SourcePos pointer_position(const LayerSyntax& layer, const std::string& key) {
    for (const auto& [rel, pos] : layer.positions)
      if (rel == key_pointer(key)) return pos;
    return layer.positions.front().second;
  }

  // A stage that is one macro call, without "as" or "from", is the macro stage of the JSON form
  // ({"name", "op": "resnet_block", ...}); "[...]" forces a list of layers.
  static bool is_stage_macro(const std::vector<LayerSyntax>& layers) {
    if (layers.size() != 1 || layers.front().broken) return false;
    const ojson& layer = layers.front().object;
    if (layer.contains("name") || layer.contains("inputs")) return false;
    const ojson& op = layer["op"];
    return op.is_string() && is_macro(op.get<std::string>());
  }

  LayerSyntax layer() {
    LayerSyntax layer;
    const std::size_t start = i_;
    ojson args = ojson::object();      // op attributes, in the order written
    ojson suffixes = ojson::object();  // name, inputs, weights from "as", "from", "@"
    std::vector<std::pair<std::string, SourcePos>> given;  // every key with where it was set
    const auto set = [&](const std::string& key, ojson v, SourcePos pos, ojson& into) {
      auto it = std::find_if(given.begin(), given.end(), [&](const auto& g) { return g.first == key; });
      if (it != given.end())
        throw SyntaxError{pos, fmt::format("\"{}\" is given twice (first at {}:{})", key, it->second.line, it->second.column)};
      given.emplace_back(key, pos);
      into[key] = std::move(v);
    };
    const Token& op = peek();
    std::string op_name;
    try {
      if (op.kind != Tok::word && op.kind != Tok::string)
        fail(op, fmt::format("expected a layer (an op such as conv, bn, relu or resnet_block), found {}", describe(op)));
      take();
      op_name = op.kind == Tok::word ? rn::op_from_alias(op.text) : op.value.get<std::string>();
      given.emplace_back("op", op.pos);
      layer.positions.emplace_back("", op.pos);
      layer.positions.emplace_back("/op", op.pos);
      const bool args_ok = !at(Tok::lparen) || arguments(op_name, layer, args, set);
      parse_suffixes(layer, suffixes, set);
      layer.broken = !args_ok;
    } catch (const SyntaxError& e) {
      report(e);
      layer.broken = true;
      if (i_ == start) take();
      skip_rest_of_layer();
    }
    if (layer.broken) {
      layer.object = placeholder(suffixes.contains("name") ? &suffixes["name"] : nullptr);
      return layer;
    }
    // The JSON form's key order: op, name, inputs, weights, then the attributes as written.
    layer.object["op"] = op_name;
    for (const char* key : {"name", "inputs", "weights"})
      if (suffixes.contains(key)) layer.object[key] = suffixes[key];
    for (auto& [key, v] : args.items()) layer.object[key] = std::move(v);
    return layer;
  }

  // After an error in a layer: on past its arguments and suffixes, to the next layer or statement.
  void skip_rest_of_layer() {
    int depth = 0;
    while (!at(Tok::end) && !(depth == 0 && statement_starts())) {
      if (at(Tok::lparen)) ++depth;
      if (at(Tok::rparen) && --depth <= 0) {
        take();
        depth = 0;
        continue;
      }
      if (depth == 0 && at(Tok::word) && (peek().text == "as" || peek().text == "from")) {
        take();
        take();
        continue;
      }
      if (depth == 0 && (at(Tok::word) || at(Tok::string) || at(Tok::rbracket))) return;
      take();
    }
  }

  // Reports every bad argument of the call; false if there was one (the layer is then dropped).
  template <class Set>
  bool arguments(const std::string& op, LayerSyntax& layer, ojson& args, Set& set) {
    const Token& open = take();
    const auto& positional = rn::positional_keys(op);
    std::size_t next_positional = 0;
    bool keyword_seen = false;
    bool ok = true;
    int previous_line = open.pos.line;
    for (bool first = true; !at(Tok::rparen); first = false) {
      // A new line without ',' or ')' is the next statement: the ')' is missing.
      if (at(Tok::end) || (!first && !at(Tok::comma) && peek().pos.line > previous_line))
        fail(peek(), fmt::format("expected ')' to close the arguments opened at {}:{}, found {}", open.pos.line,
                                 open.pos.column, describe(peek())));
      try {
        if (!first) expect(Tok::comma, "',' or ')'");
        argument(op, positional, next_positional, keyword_seen, layer, args, set);
      } catch (const SyntaxError& e) {
        report(e);
        ok = false;
        if (!skip_to_argument_end()) return false;  // the ')' is missing too: one message is enough
      }
      previous_line = tokens_[i_ - 1].pos.line;
    }
    take();  // ')'
    return ok;
  }

  // Skips to the ',' or ')' after a bad argument; false when a new line starts a statement first.
  bool skip_to_argument_end() {
    int depth = 0;
    while (!at(Tok::end)) {
      if (depth == 0 && (at(Tok::comma) || at(Tok::rparen))) return true;
      if (depth == 0 && statement_starts() && tokens_[i_ - 1].pos.line < peek().pos.line) return false;
      if (at(Tok::lparen) || at(Tok::lbracket)) ++depth;
      if ((at(Tok::rparen) || at(Tok::rbracket)) && depth > 0) --depth;
      take();
    }
    return false;
  }

  template <class Set>
  void argument(const std::string& op, const std::vector<std::string_view>& positional, std::size_t& next_positional,
                bool& keyword_seen, LayerSyntax& layer, ojson& args, Set& set) {
    const Token& t = peek();
    const bool keyed = (t.kind == Tok::word || t.kind == Tok::string) && at(Tok::equals, 1);
    const bool flag = t.kind == Tok::word && !keyed && !is_literal(t.text);
    if (keyed || flag) {
      take();
      const std::string key = t.kind == Tok::word ? rn::key_from_alias(t.text) : t.value.get<std::string>();
      LocalPositions positions;
      ojson v = true;
      if (keyed) {
        take();  // '='
        v = value(positions, 0);
      }
      keyword_seen = true;
      set(key, std::move(v), t.pos, args);
      layer.positions.emplace_back(key_pointer(key), t.pos);
      for (auto& [rel, pos] : positions) layer.positions.emplace_back(key_pointer(key) + rel, pos);
      return;
    }
    if (keyword_seen) fail(t, "a positional argument follows a keyword argument (write it as key=value)");
    if (next_positional >= positional.size())
      fail(t, positional.empty() ? fmt::format("{} takes no positional arguments (write key=value)", op)
                                 : fmt::format("{} takes at most {} positional argument(s) ({}); write the others as key=value",
                                               op, positional.size(), join(positional)));
    const std::string key(positional[next_positional++]);
    LocalPositions positions;
    ojson v = value(positions, 0);
    set(key, std::move(v), t.pos, args);
    for (auto& [rel, pos] : positions) layer.positions.emplace_back(key_pointer(key) + rel, pos);
  }

  static std::string join(const std::vector<std::string_view>& items) {
    std::string out;
    for (std::string_view s : items) out += (out.empty() ? "" : ", ") + std::string(s);
    return out;
  }

  template <class Set>
  void parse_suffixes(LayerSyntax& layer, ojson& suffixes, Set& set) {
    while (true) {
      if (at(Tok::weights)) {
        const Token& w = take();
        set("weights", w.value, w.pos, suffixes);
        layer.positions.emplace_back("/weights", w.pos);
      } else if (at(Tok::word) && (peek().text == "as" || peek().text == "from") && !at(Tok::equals, 1)) {
        const std::string key = take().text == "as" ? "name" : "inputs";
        LocalPositions positions;
        const SourcePos at_value = peek().pos;
        ojson v = value(positions, 0);
        set(key, std::move(v), at_value, suffixes);
        for (auto& [rel, pos] : positions) layer.positions.emplace_back(key_pointer(key) + rel, pos);
      } else if (at(Tok::invalid)) {
        fail(peek(), "");  // a lexical error right after a layer is part of it: drop the layer
      } else {
        return;
      }
    }
  }

  static bool is_literal(const std::string& word) { return word == "true" || word == "false" || word == "null"; }

  ojson value(LocalPositions& positions, int depth) {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::number:
      case Tok::string:
        take();
        positions.emplace_back("", t.pos);
        return t.value;
      case Tok::word:
        take();
        positions.emplace_back("", t.pos);
        if (t.text == "true") return true;
        if (t.text == "false") return false;
        if (t.text == "null") return nullptr;
        return t.text;
      case Tok::lbracket: return list(positions, depth);
      default: fail(t, fmt::format("expected a value (a number, a name, a \"string\" or a [list]), found {}", describe(t)));
    }
  }

  ojson list(LocalPositions& positions, int depth) {
    const Token& open = take();
    if (depth >= kMaxListDepth) fail(open, fmt::format("lists nest deeper than {} levels", kMaxListDepth));
    positions.emplace_back("", open.pos);
    ojson items = ojson::array();
    while (!at(Tok::rbracket)) {
      if (!items.empty()) expect(Tok::comma, "',' or ']'");
      LocalPositions inner;
      items.push_back(value(inner, depth + 1));
      for (auto& [rel, pos] : inner) positions.emplace_back(fmt::format("/{}{}", items.size() - 1, rel), pos);
    }
    take();
    return items;
  }

  void place(const LocalPositions& positions, const std::string& base) {
    for (const auto& [rel, pos] : positions) out_.positions.try_emplace(base + rel, pos);
  }

  std::vector<Token> tokens_;
  std::size_t i_ = 0;
  RnDocument& out_;
  ojson header_ = ojson::object();
  ojson stages_ = ojson::array();
};

// ---------------------------------------------------------------------------------------------
// Diagnostics

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

struct Located {
  SourcePos pos;
  std::string message;
};

// The position of a JSON pointer: the closest enclosing item that has one.
SourcePos locate(const RnDocument& rn, std::string pointer) {
  while (true) {
    if (auto it = rn.positions.find(pointer); it != rn.positions.end()) return it->second;
    if (pointer.empty()) return {};
    pointer.erase(pointer.rfind('/'));
  }
}

bool suppressed(const RnDocument& rn, const std::string& where) {
  return std::any_of(rn.broken.begin(), rn.broken.end(), [&](const std::string& b) {
    if (b.empty()) return where.empty();
    return where == b || where.starts_with(b + "/");
  });
}

// "(at /stages/1)" in a message becomes "(at 7:1)".
std::string translate_pointers(const RnDocument& rn, const std::string& what) {
  std::string out;
  std::size_t last = 0;
  for (std::size_t at = what.find("(at /"); at != std::string::npos; at = what.find("(at /", last)) {
    const std::size_t close = what.find(')', at);
    if (close == std::string::npos) break;
    const SourcePos pos = locate(rn, what.substr(at + 4, close - at - 4));
    out += what.substr(last, at - last) + fmt::format("(at {}:{})", pos.line, pos.column);
    last = close + 1;
  }
  return out + what.substr(last);
}

[[noreturn]] void throw_located(std::string_view text, std::vector<Located> errors, const std::string& file) {
  std::stable_sort(errors.begin(), errors.end(), [](const Located& a, const Located& b) {
    return std::pair(a.pos.line, a.pos.column) < std::pair(b.pos.line, b.pos.column);
  });
  Diagnostics diags;
  for (const Located& e : errors)
    diags.error(fmt::format("{}:{}", e.pos.line, e.pos.column), with_source_line(text, e.pos, e.message));
  throw CompileError(diags.format(file));
}

std::vector<Located> syntax_errors(const RnDocument& rn) {
  std::vector<Located> out;
  for (const auto& [pos, message] : rn.errors) out.push_back({pos, message});
  return out;
}

nlohmann::json plain_json(const ojson& doc) { return nlohmann::json::parse(doc.dump()); }

}  // namespace

std::string with_source_line(std::string_view text, SourcePos pos, const std::string& message) {
  const std::string_view line = source_line(text, pos.line);
  std::string caret;
  for (std::size_t i = 0; i + 1 < static_cast<std::size_t>(pos.column) && i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: same column on screen
    caret += c == '\t' ? '\t' : ' ';
  }
  return fmt::format("{}\n{:>5} | {}\n      | {}^", message, pos.line, line, caret);
}

RnDocument parse_rn(std::string_view text) {
  RnDocument out;
  ErrorList lexical;
  std::vector<Token> tokens = Lexer(text, lexical).run();
  out.errors = std::move(lexical);
  Parser(std::move(tokens), out).run();
  return out;
}

nlohmann::ordered_json parse_rn_document(std::string_view text, const std::string& file) {
  RnDocument rn = parse_rn(text);
  if (!rn.errors.empty()) throw_located(text, syntax_errors(rn), file);
  return std::move(rn.doc);
}

Graph parse_spec_rn(std::string_view text, const std::string& file, const SpecOptions& options) {
  try {
    const RnDocument rn = parse_rn(text);
    Diagnostics semantic;
    Graph graph = read_spec_document(plain_json(rn.doc), options, semantic);
    std::vector<Located> errors = syntax_errors(rn);
    for (const Diagnostic& d : semantic.items())
      if (!suppressed(rn, d.where)) errors.push_back({locate(rn, d.where), translate_pointers(rn, d.what)});
    if (!errors.empty()) throw_located(text, std::move(errors), file);
    for (Node& n : graph.nodes) {
      const SourcePos pos = locate(rn, n.where);
      n.where = fmt::format("{}:{}", pos.line, pos.column);
    }
    return graph;
  } catch (const nlohmann::json::exception& e) {
    throw CompileError(fmt::format("{}: internal error while reading the spec: {}", file, e.what()));
  }
}

}  // namespace rnc
