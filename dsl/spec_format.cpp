#include "dsl/spec_format.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"
#include "dsl/macros.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/spec_rn.hpp"
#include "dsl/spec_rn_syntax.hpp"

namespace rnc {
namespace {

using ojson = nlohmann::ordered_json;

// A stage longer than this is written one layer per line.
constexpr std::size_t kMaxLine = 100;

// ---------------------------------------------------------------------------------------------
// JSON

std::string inline_json(const ojson& v) {
  std::string out;
  if (v.is_array()) {
    for (const ojson& item : v) out += (out.empty() ? "" : ", ") + inline_json(item);
    return "[" + out + "]";
  }
  if (v.is_object()) {
    for (const auto& [key, item] : v.items())
      out += (out.empty() ? "" : ", ") + ojson(key).dump() + ": " + inline_json(item);
    return "{" + out + "}";
  }
  return v.dump();
}

// An object on one line, except that the array under `list_key` has one item per line.
std::string object_with_list(const ojson& object, const std::string& list_key, const std::string& indent) {
  std::string out;
  for (const auto& [key, v] : object.items()) {
    out += out.empty() ? "" : ", ";
    out += ojson(key).dump() + ": ";
    if (key != list_key || !v.is_array() || v.empty()) {
      out += inline_json(v);
      continue;
    }
    std::string items;
    for (const ojson& item : v) {
      const std::string text =
          item.is_object() && key == "stages" ? object_with_list(item, "layers", indent + "  ") : inline_json(item);
      items += (items.empty() ? "" : ",\n") + indent + "  " + text;
    }
    out += "[\n" + items + "\n" + indent + "]";
  }
  return "{" + out + "}";
}

// ---------------------------------------------------------------------------------------------
// .rn

// What the .rn lexer reads as a word and the parser as a string.
bool is_bare_word(const std::string& s) {
  static const std::vector<std::string> reserved = {"true", "false", "null", "as", "from"};
  return rn::is_word(s) && std::find(reserved.begin(), reserved.end(), s) == reserved.end();
}

bool is_header_keyword(const std::string& s) { return s == "network" || s == "input" || s == "output"; }

class RnWriter {
 public:
  explicit RnWriter(const std::string& file) : file_(file) {}

  std::string write(const ojson& doc) {
    if (!doc.is_object()) {
      diags_.error("", "a spec is a JSON object");
      throw_if_errors(diags_, file_);
    }
    std::string out;
    for (const auto& [key, v] : doc.items())
      if (key != "name" && key != "input" && key != "stages" && key != "output")
        cannot(fmt::format("/{}", pointer_token(key)), fmt::format("unknown top-level key \"{}\"", key));
    if (doc.contains("name")) out += "network " + value(doc["name"], "/name", true) + "\n";
    if (doc.contains("input")) out += "input " + input_shape(doc["input"]) + "\n";
    if (doc.contains("stages")) {
      const ojson& stages = doc["stages"];
      if (!stages.is_array()) cannot("/stages", "expected an array of stages");
      else if (!stages.empty()) out += "\n";
      for (std::size_t i = 0; stages.is_array() && i < stages.size(); ++i)
        out += stage(stages[i], fmt::format("/stages/{}", i));
    }
    if (doc.contains("output")) out += "\noutput " + value(doc["output"], "/output", true) + "\n";
    throw_if_errors(diags_, file_);
    return out;
  }

 private:
  void cannot(const std::string& pointer, const std::string& why) {
    diags_.error(pointer, "cannot be written as .rn: " + why);
  }

  std::string input_shape(const ojson& input) {
    if (!input.is_object() || input.size() != 1 || !input.contains("shape")) {
      cannot("/input", "expected {\"shape\": [N, C, H, W]}");
      return {};
    }
    return value(input["shape"], "/input/shape", true);
  }

  // A value; a string is a bare word where the grammar reads one as a string.
  std::string value(const ojson& v, const std::string& pointer, bool bare_strings, int depth = 0) {
    if (v.is_string() && bare_strings && is_bare_word(v.get<std::string>())) return v.get<std::string>();
    if (v.is_object()) {
      cannot(pointer, "an object is not a value in .rn");
      return "null";
    }
    if (!v.is_array()) return v.dump();
    if (depth >= rn::kMaxListDepth) {  // also bounds the recursion on [[[[...]]]]
      cannot(pointer, fmt::format("lists nest deeper than {} levels", rn::kMaxListDepth));
      return "null";
    }
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i)
      out += (i ? ", " : "") + value(v[i], fmt::format("{}/{}", pointer, i), bare_strings, depth + 1);
    return "[" + out + "]";
  }

  static std::string key_text(const std::string& key) {
    const std::string alias = rn::alias_of_key(key);
    if (alias != key) return alias;
    return is_bare_word(key) && !rn::is_key_alias(key) ? key : ojson(key).dump();
  }

  static std::string op_text(const std::string& op) {
    const std::string alias = rn::alias_of_op(op);
    if (alias != op) return alias;
    return is_bare_word(op) && !rn::is_op_alias(op) && !is_header_keyword(op) ? op : ojson(op).dump();
  }

  static std::string weights_text(const std::string& prefix) {
    return "@" + (rn::is_prefix(prefix) ? prefix : ojson(prefix).dump());
  }

  // op(args)@weights from inputs as name; `taken` keys are written elsewhere (the stage line).
  std::string call(const ojson& object, const std::string& pointer, const std::vector<std::string>& taken) {
    const std::string op = object["op"].get<std::string>();
    std::vector<std::string> args;
    std::vector<std::string> written = taken;
    written.push_back("op");
    const bool weights_suffix = object.contains("weights") && object["weights"].is_string();
    if (weights_suffix) written.push_back("weights");
    for (std::string_view key : rn::positional_keys(op)) {
      const std::string k(key);
      if (!object.contains(k) || std::find(written.begin(), written.end(), k) != written.end()) break;
      args.push_back(value(object[k], pointer + "/" + pointer_token(k), false));
      written.push_back(k);
    }
    std::vector<std::string> keywords;
    for (const auto& [key, v] : object.items())
      if (std::find(written.begin(), written.end(), key) == written.end()) keywords.push_back(key);
    std::sort(keywords.begin(), keywords.end(), [](const std::string& a, const std::string& b) {
      return std::pair(rn::key_rank(a), a) < std::pair(rn::key_rank(b), b);
    });
    for (const std::string& key : keywords) {
      const std::string k = key_text(key);
      const bool flag = object[key].is_boolean() && object[key].get<bool>() && k.front() != '"';
      args.push_back(flag ? k : k + "=" + value(object[key], pointer + "/" + pointer_token(key), true));
    }
    std::string out = op_text(op);
    if (!args.empty()) {
      out += "(";
      for (std::size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + args[i];
      out += ")";
    }
    if (weights_suffix) out += weights_text(object["weights"].get<std::string>());
    return out;
  }

  std::string layer(const ojson& layer, const std::string& pointer) {
    if (!layer.is_object() || !layer.contains("op") || !layer["op"].is_string()) {
      cannot(pointer, "a layer is an object with an \"op\" string");
      return "relu";
    }
    std::string out = call(layer, pointer, {"name", "inputs"});
    if (layer.contains("inputs")) out += " from " + value(layer["inputs"], pointer + "/inputs", true);
    if (layer.contains("name")) out += " as " + value(layer["name"], pointer + "/name", true);
    return out;
  }

  // True when the parser would read `NAME = layer` back as a stage macro, not a list of layers.
  static bool reads_as_macro_stage(const ojson& layers) {
    if (layers.size() != 1) return layers.empty();
    const ojson& l = layers[0];
    return l.is_object() && !l.contains("name") && !l.contains("inputs") && l.contains("op") && l["op"].is_string() &&
           is_macro(l["op"].get<std::string>());
  }

  std::string stage(const ojson& stage, const std::string& pointer) {
    if (!stage.is_object() || !stage.contains("name") || !stage["name"].is_string()) {
      cannot(pointer, "a stage is an object with a \"name\" string");
      return {};
    }
    const std::string name = stage["name"].get<std::string>();
    std::string head = (is_bare_word(name) ? name : ojson(name).dump()) + " =";
    if (stage.contains("input")) {
      if (stage["input"].is_array() || stage["input"].is_object())
        cannot(pointer + "/input", "a stage input is one value name");
      head += " " + value(stage["input"], pointer + "/input", true) + " ->";
    }
    if (stage.contains("op")) return head + " " + macro_stage(stage, pointer) + "\n";
    for (const auto& [key, v] : stage.items())
      if (key != "name" && key != "input" && key != "layers")
        cannot(pointer + "/" + pointer_token(key), fmt::format("a stage of layers has no key \"{}\"", key));
    if (!stage.contains("layers") || !stage["layers"].is_array()) {
      cannot(pointer, "a stage needs \"layers\" (an array) or \"op\" (a stage macro)");
      return {};
    }
    const ojson& layers = stage["layers"];
    std::vector<std::string> texts;
    for (std::size_t j = 0; j < layers.size(); ++j)
      texts.push_back(layer(layers[j], fmt::format("{}/layers/{}", pointer, j)));
    if (reads_as_macro_stage(layers)) return head + " [" + (texts.empty() ? "" : texts.front()) + "]\n";
    std::string line = head;
    for (const std::string& t : texts) line += " " + t;
    if (line.size() <= kMaxLine || texts.size() == 1) return line + "\n";
    std::string block = head + "\n";
    for (const std::string& t : texts) block += "  " + t + "\n";
    return block;
  }

  std::string macro_stage(const ojson& stage, const std::string& pointer) {
    if (stage.contains("layers")) cannot(pointer + "/layers", "a stage has \"layers\" or \"op\", not both");
    if (!stage["op"].is_string() || !is_macro(stage["op"].get<std::string>())) {
      cannot(pointer + "/op", "a stage's \"op\" is a stage macro (residual, resnet_block); plain ops go in \"layers\"");
      return {};
    }
    return call(stage, pointer, {"name", "input"});
  }

  const std::string& file_;
  Diagnostics diags_;
};

}  // namespace

nlohmann::ordered_json read_spec_document_file(const std::string& path) {
  const std::string text = read_text_file(path);
  return is_rn_path(path) ? parse_rn_document(text, path) : parse_json_document(text, path);
}

std::string write_spec_json(const nlohmann::ordered_json& doc) {
  if (!doc.is_object()) return inline_json(doc) + "\n";
  std::string out;
  for (const auto& [key, v] : doc.items()) {
    out += out.empty() ? "" : ",\n";
    const std::string text =
        key == "stages" ? object_with_list(ojson{{key, v}}, "stages", "  ") : inline_json(ojson{{key, v}});
    out += "  " + text.substr(1, text.size() - 2);  // the pair without the braces of its one-key object
  }
  return "{\n" + out + "\n}\n";
}

std::string write_spec_rn(const nlohmann::ordered_json& doc, const std::string& file) {
  return RnWriter(file).write(doc);
}

}  // namespace rnc
