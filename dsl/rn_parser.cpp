#include "dsl/rn_parser.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "dsl/macros.hpp"
#include "dsl/spec_rn_syntax.hpp"

namespace rnc::rn {
namespace {

// A syntax error, caught where the parser recovers; an empty message means the lexer already
// reported it.
struct SyntaxError {
  Location where;
  std::string message;
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::end:
      return "the end of the file";
    case Tok::string:
      return fmt::format("the string {}", t.text);
    default:
      return fmt::format("'{}'", t.text);
  }
}

bool is_header_keyword(const Token& t) {
  return t.kind == Tok::word && (t.text == "network" || t.text == "input" || t.text == "output");
}

bool is_literal(const std::string& word) { return word == "true" || word == "false" || word == "null"; }

nlohmann::json word_value(const std::string& word) {
  if (word == "true") return true;
  if (word == "false") return false;
  if (word == "null") return nullptr;
  return word;
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view s : items) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

// A layer with a syntax error: only its name, if it has one, so that what reads the name
// reports nothing.
SpecValue broken_layer(const Location& where, SpecValue* name) {
  SpecValue layer = SpecValue::object_at(where);
  layer.broken = true;
  if (name) layer.add("name", std::move(*name));
  return layer;
}

// A stage with a syntax error keeps its name and input and stands for one unreadable layer.
void make_broken_stage(SpecValue& stage) {
  std::erase_if(stage.members, [](const SpecMember& m) { return m.key != "name" && m.key != "input"; });
  SpecValue layers = SpecValue::array_at(stage.where);
  layers.items.push_back(broken_layer(stage.where, nullptr));
  stage.add("layers", std::move(layers));
  stage.broken = true;
}

// A stage that is one macro call, without "as" or "from", is the macro stage of the JSON form
// ({"name", "op": "resnet_block", ...}); "[...]" forces a list of layers.
bool is_stage_macro(const std::vector<SpecValue>& layers) {
  if (layers.size() != 1 || layers.front().broken) return false;
  const SpecValue& layer = layers.front();
  if (layer.contains("name") || layer.contains("inputs")) return false;
  const SpecValue* op = layer.find("op");
  return op && op->is_string() && is_macro(op->string());
}

// The parts of a layer as they are read: every key once, with where it was first given.
class LayerParts {
 public:
  void set_op(const Location& where) { given_.emplace_back("op", where); }
  void set_arg(const std::string& key, SpecValue value) { set(key, std::move(value), args); }
  void set_suffix(const std::string& key, SpecValue value) { set(key, std::move(value), suffixes); }
  SpecValue* find_suffix(std::string_view key) {
    const auto it = std::find_if(suffixes.begin(), suffixes.end(), [&](const SpecMember& m) { return m.key == key; });
    return it == suffixes.end() ? nullptr : &it->value;
  }

  std::vector<SpecMember> args;      // op attributes, in the order written
  std::vector<SpecMember> suffixes;  // name, inputs, weights from "as", "from", "@"

 private:
  void set(const std::string& key, SpecValue value, std::vector<SpecMember>& into) {
    const auto it = std::find_if(given_.begin(), given_.end(), [&](const auto& g) { return g.first == key; });
    if (it != given_.end())
      throw SyntaxError{value.where, fmt::format("\"{}\" is given twice (first at {})", key, it->second.to_string())};
    given_.emplace_back(key, value.where);
    into.push_back({key, std::move(value)});
  }

  std::vector<std::pair<std::string, Location>> given_;
};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Diagnostics& diags) : tokens_(tokens), diags_(diags) {}

  SpecValue run() {
    while (!at(Tok::end)) {
      if (!statement_starts()) {
        error_here(
            fmt::format("expected a statement (NAME = layers, network NAME, input [N, C, H, W] or output "
                        "NAME), found {}",
                        describe(peek())));
        take();
        skip_to_statement();
        continue;
      }
      statement();
    }
    return document();
  }

 private:
  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(i_ + ahead, tokens_.size() - 1)]; }
  const Token& take() {
    const Token& t = peek();
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }
  bool at(Tok kind, std::size_t ahead = 0) const { return peek(ahead).kind == kind; }

  [[noreturn]] static void fail(const Token& t, std::string message) {
    if (t.kind == Tok::invalid) throw SyntaxError{t.where, ""};
    throw SyntaxError{t.where, std::move(message)};
  }
  void error_here(std::string message) {
    if (!at(Tok::invalid)) diags_.error(peek().where, std::move(message));
  }
  void report(const SyntaxError& e) {
    if (!e.message.empty()) diags_.error(e.where, e.message);
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
  int previous_line() const { return i_ == 0 ? 0 : tokens_[i_ - 1].where.line(); }
  bool first_on_line() const { return previous_line() < peek().where.line(); }

  // Recovery after a syntax error: on to the next statement that starts a line.
  void skip_to_statement() {
    while (!at(Tok::end) && !(statement_starts() && first_on_line())) take();
  }

  // The JSON form's key order: name, input, stages, output.
  SpecValue document() {
    SpecValue doc = SpecValue::object_at(tokens_.front().where);
    doc.broken = header_broken_;  // a header left out for a syntax error is not missing
    for (const char* key : {"name", "input"})
      if (auto it = header_.find(key); it != header_.end()) doc.add(key, std::move(it->second));
    SpecValue stages = SpecValue::array_at(doc.where);
    stages.items = std::move(stages_);
    // Without any stage, "no stages" only repeats the syntax errors.
    stages.broken = stages.items.empty() && !diags_.ok();
    doc.add("stages", std::move(stages));
    if (auto it = header_.find("output"); it != header_.end()) doc.add("output", std::move(it->second));
    return doc;
  }

  void statement() {
    const Token& first = peek();
    if (is_header_keyword(first) && !at(Tok::equals, 1)) return header(first.text);
    stage();
  }

  // network NAME | input [N, C, H, W] | output NAME; each is where its keyword is.
  void header(const std::string& keyword) {
    const Token& kw = take();
    const std::string key = keyword == "network" ? "name" : keyword;
    if (auto it = header_.find(key); it != header_.end()) {
      diags_.error(kw.where, fmt::format("'{}' is given twice (first at {})", keyword, it->second.where.to_string()));
      skip_to_statement();
      return;
    }
    try {
      SpecValue v = value(0);
      if (keyword == "input") {
        SpecValue input = SpecValue::object_at(kw.where);
        input.add("shape", std::move(v));
        header_.emplace(key, std::move(input));
      } else {
        v.where = kw.where;
        header_.emplace(key, std::move(v));
      }
    } catch (const SyntaxError& e) {
      report(e);
      header_broken_ = true;
      skip_to_statement();
    }
  }

  // NAME = [VALUE ->] body
  void stage() {
    const Token& name = take();
    SpecValue stage = SpecValue::object_at(name.where);
    stage.add("name",
              SpecValue::scalar_at(name.kind == Tok::string ? name.value : nlohmann::json(name.text), name.where));
    const Token& equals = take();
    try {
      if (at(Tok::arrow, 1) && !at(Tok::lbracket)) {
        stage.add("input", value(0));
        take();  // ->
      }
      body(stage, equals.where);
    } catch (const SyntaxError& e) {
      report(e);
      make_broken_stage(stage);
      skip_to_statement();
    }
    stages_.push_back(std::move(stage));
  }

  void body(SpecValue& stage, const Location& equals) {
    const bool bracketed = at(Tok::lbracket);
    const Location open = peek().where;
    if (bracketed) take();
    std::vector<SpecValue> layers;
    while (bracketed ? !at(Tok::rbracket) && !layers_end() : !layers_end()) layers.push_back(layer());
    if (bracketed) {
      if (!at(Tok::rbracket))
        fail(peek(), fmt::format("expected ']' to close the layer list opened at {}, found {}", open.to_string(),
                                 describe(peek())));
      take();
    } else if (layers.empty()) {
      fail(peek(), fmt::format("expected a layer after '=' (e.g. conv(64, k=3)@0.0 relu), found {}", describe(peek())));
    }
    if (!bracketed && is_stage_macro(layers)) {
      for (SpecMember& m : layers.front().members) {
        if (stage.contains(m.key))
          throw SyntaxError{m.value.where, fmt::format("\"{}\" is given twice: the stage sets it", m.key)};
        stage.add(m.key, std::move(m.value));
      }
      return;
    }
    SpecValue list = SpecValue::array_at(bracketed ? open : equals);
    list.items = std::move(layers);
    stage.add("layers", std::move(list));
  }

  SpecValue layer() {
    const std::size_t start = i_;
    const Token& op = peek();
    LayerParts parts;
    std::string op_name;
    bool broken = false;
    try {
      if (op.kind != Tok::word && op.kind != Tok::string)
        fail(op,
             fmt::format("expected a layer (an op such as conv, bn, relu or resnet_block), found {}", describe(op)));
      take();
      op_name = op.kind == Tok::word ? op_from_alias(op.text) : op.value.get<std::string>();
      parts.set_op(op.where);
      const bool args_ok = !at(Tok::lparen) || arguments(op_name, parts);
      parse_suffixes(parts);
      broken = !args_ok;
    } catch (const SyntaxError& e) {
      report(e);
      broken = true;
      if (i_ == start) take();
      skip_rest_of_layer();
    }
    if (broken) return broken_layer(op.where, parts.find_suffix("name"));
    // The JSON form's key order: op, name, inputs, weights, then the attributes as written.
    SpecValue layer = SpecValue::object_at(op.where);
    layer.add("op", SpecValue::scalar_at(op_name, op.where));
    for (const char* key : {"name", "inputs", "weights"})
      if (SpecValue* v = parts.find_suffix(key)) layer.add(key, std::move(*v));
    for (SpecMember& m : parts.args) layer.add(std::move(m.key), std::move(m.value));
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
  bool arguments(const std::string& op, LayerParts& parts) {
    const Token& open = take();
    std::size_t next_positional = 0;
    bool keyword_seen = false;
    bool ok = true;
    int line = open.where.line();
    for (bool first = true; !at(Tok::rparen); first = false) {
      // A new line without ',' or ')' is the next statement: the ')' is missing.
      if (at(Tok::end) || (!first && !at(Tok::comma) && peek().where.line() > line))
        fail(peek(), fmt::format("expected ')' to close the arguments opened at {}, found {}", open.where.to_string(),
                                 describe(peek())));
      try {
        if (!first) expect(Tok::comma, "',' or ')'");
        argument(op, next_positional, keyword_seen, parts);
      } catch (const SyntaxError& e) {
        report(e);
        ok = false;
        if (!skip_to_argument_end()) return false;  // the ')' is missing too: one message is enough
      }
      line = previous_line();
    }
    take();  // ')'
    return ok;
  }

  // Skips to the ',' or ')' after a bad argument; false when a new line starts a statement first.
  bool skip_to_argument_end() {
    int depth = 0;
    while (!at(Tok::end)) {
      if (depth == 0 && (at(Tok::comma) || at(Tok::rparen))) return true;
      if (depth == 0 && statement_starts() && first_on_line()) return false;
      if (at(Tok::lparen) || at(Tok::lbracket)) ++depth;
      if ((at(Tok::rparen) || at(Tok::rbracket)) && depth > 0) --depth;
      take();
    }
    return false;
  }

  // key=value and a flag are where their key is; a positional argument is where its value is.
  void argument(const std::string& op, std::size_t& next_positional, bool& keyword_seen, LayerParts& parts) {
    const Token& t = peek();
    const bool keyed = (t.kind == Tok::word || t.kind == Tok::string) && at(Tok::equals, 1);
    const bool flag = t.kind == Tok::word && !keyed && !is_literal(t.text);
    if (keyed || flag) {
      take();
      const std::string key = t.kind == Tok::word ? key_from_alias(t.text) : t.value.get<std::string>();
      SpecValue v = SpecValue::scalar_at(true, t.where);
      if (keyed) {
        take();  // '='
        v = value(0);
        v.where = t.where;
      }
      keyword_seen = true;
      parts.set_arg(key, std::move(v));
      return;
    }
    const auto& positional = positional_keys(op);
    if (keyword_seen) fail(t, "a positional argument follows a keyword argument (write it as key=value)");
    if (next_positional >= positional.size())
      fail(t, positional.empty()
                  ? fmt::format("{} takes no positional arguments (write key=value)", op)
                  : fmt::format("{} takes at most {} positional argument(s) ({}); write the others as key=value", op,
                                positional.size(), join(positional)));
    const std::string key(positional[next_positional++]);
    parts.set_arg(key, value(0));
  }

  void parse_suffixes(LayerParts& parts) {
    while (true) {
      if (at(Tok::weights)) {
        const Token& w = take();
        parts.set_suffix("weights", SpecValue::scalar_at(w.value, w.where));
      } else if (at(Tok::word) && (peek().text == "as" || peek().text == "from") && !at(Tok::equals, 1)) {
        const std::string key = take().text == "as" ? "name" : "inputs";
        parts.set_suffix(key, value(0));
      } else if (at(Tok::invalid)) {
        fail(peek(), "");  // a lexical error right after a layer is part of it: drop the layer
      } else {
        return;
      }
    }
  }

  SpecValue value(int depth) {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::number:
      case Tok::string:
        take();
        return SpecValue::scalar_at(t.value, t.where);
      case Tok::word:
        take();
        return SpecValue::scalar_at(word_value(t.text), t.where);
      case Tok::lbracket:
        return list(depth);
      default:
        fail(t, fmt::format("expected a value (a number, a name, a \"string\" or a [list]), found {}", describe(t)));
    }
  }

  SpecValue list(int depth) {
    const Token& open = take();
    if (depth >= kMaxListDepth) fail(open, fmt::format("lists nest deeper than {} levels", kMaxListDepth));
    SpecValue items = SpecValue::array_at(open.where);
    while (!at(Tok::rbracket)) {
      if (!items.items.empty()) expect(Tok::comma, "',' or ']'");
      items.items.push_back(value(depth + 1));
    }
    take();
    return items;
  }

  const std::vector<Token>& tokens_;
  std::size_t i_ = 0;
  Diagnostics& diags_;
  std::map<std::string, SpecValue> header_;  // name, input, output
  bool header_broken_ = false;
  std::vector<SpecValue> stages_;
};

}  // namespace

SpecValue parse(const std::vector<Token>& tokens, Diagnostics& diags) { return Parser(tokens, diags).run(); }

SpecValue parse_text(std::string_view text, Diagnostics& diags) { return parse(lex(text, diags), diags); }

}  // namespace rnc::rn
