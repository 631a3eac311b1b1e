// The JSON front end: text -> nlohmann::json -> SpecValue, located by JSON pointers, which the
// spec reader (dsl/spec_reader.cpp) checks. Malformed JSON is reported at its line:column.
#include <vector>

#include <nlohmann/json.hpp>

#include "dsl/spec_reader.hpp"

namespace rnc {
namespace {

using nlohmann::json;

// A JSON pointer names values this deep at most; deeper ones (no spec has them) share the
// pointer of their ancestor, so that [[[[...]]]] costs memory linear in its size.
constexpr std::size_t kMaxPointerDepth = 32;

// The line:column of a byte offset.
Location line_column(std::string_view text, std::size_t offset) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return Location::line_column(line, column);
}

// Where a number too large for a double (1e999) is: nlohmann names the literal, not its position,
// and its first occurrence is where parsing stopped.
Location overflow_location(std::string_view text, std::string_view what) {
  const std::size_t open = what.find('\''), close = what.rfind('\'');
  if (open == std::string_view::npos || close <= open) return line_column(text, 0);
  const std::size_t at = text.find(what.substr(open + 1, close - open - 1));
  return line_column(text, at == std::string_view::npos ? 0 : at);
}

// nlohmann's message without its "[json.exception...] parse error at ...: " lead.
std::string parse_error_text(const json::parse_error& e) {
  std::string what = e.what();
  if (auto pos = what.find("parse error at "); pos != std::string::npos) what = what.substr(pos);
  if (auto pos = what.find(": "); pos != std::string::npos) what = what.substr(pos + 2);
  return what;
}

std::string out_of_range_text(const json::out_of_range& e) {
  std::string what = e.what();
  if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
  return what;
}

// The parsed text, or CompileError at the line:column of the first syntax error.
template <class Json>
Json parse_or_throw(std::string_view text, const std::string& file) {
  Diagnostics diags;
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // nlohmann's byte is one past the offending character.
    diags.error(line_column(text, e.byte > 0 ? e.byte - 1 : 0), "invalid JSON: " + parse_error_text(e));
  } catch (const json::out_of_range& e) {
    const std::string what = out_of_range_text(e);
    diags.error(overflow_location(text, what), "invalid JSON: " + what);
  }
  throw CompileError(diags.format(file));
}

// Every value of `doc` with its JSON pointer; a loop, not a recursion per level of nesting.
SpecValue located(const json& doc) {
  SpecValue root;
  struct Pending {
    const json* from;
    SpecValue* to;
    std::size_t depth;
  };
  std::vector<Pending> pending{{&doc, &root, 0}};
  while (!pending.empty()) {
    const Pending next = pending.back();
    pending.pop_back();
    const json* from = next.from;
    SpecValue* to = next.to;
    const std::size_t depth = next.depth;
    const auto where_of_child = [&](const auto& key) {
      return depth < kMaxPointerDepth ? to->where.child(key) : to->where;
    };
    if (from->is_array()) {
      to->kind = SpecValue::Kind::array;
      to->items.resize(from->size());  // before taking pointers into it
      for (std::size_t i = 0; i < from->size(); ++i) {
        to->items[i].where = where_of_child(i);
        pending.push_back({&(*from)[i], &to->items[i], depth + 1});
      }
    } else if (from->is_object()) {
      to->kind = SpecValue::Kind::object;
      to->members.reserve(from->size());  // before taking pointers into it
      for (const auto& [key, item] : from->items()) {
        SpecMember& member = to->members.emplace_back(SpecMember{key, {}});
        member.value.where = where_of_child(key);
        pending.push_back({&item, &member.value, depth + 1});
      }
    } else {
      to->scalar = *from;
    }
  }
  return root;
}

}  // namespace

Graph parse_spec_json(std::string_view text, const std::string& file, const SpecOptions& options) {
  const SpecValue doc = located(parse_or_throw<json>(text, file));
  Diagnostics diags;
  Graph graph = read_spec_document(doc, options, diags);
  throw_if_errors(diags, file);
  return graph;
}

nlohmann::ordered_json parse_json_document(std::string_view text, const std::string& file) {
  return parse_or_throw<nlohmann::ordered_json>(text, file);
}

}  // namespace rnc
