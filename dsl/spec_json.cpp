// The JSON spec reader. Layout (docs/spec.md has the full reference):
//   { "name": ..., "input": {"shape": [N,C,H,W]}, "stages": [ stage, ... ], "output": name? }
//   stage = { "name", "input"?, "layers": [layer, ...] } | { "name", "op": macro, macro attrs... }
//   layer = { "op", "name"?, "inputs"?, "weights"?, op attrs... }
#include <algorithm>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "dsl/graph_builder.hpp"
#include "dsl/macros.hpp"
#include "dsl/spec_reader.hpp"

namespace rnc {
namespace {

using nlohmann::json;

bool is_identifier(const std::string& s) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_]*");
  return std::regex_match(s, re);
}

// "line:column" of a byte offset, for JSON syntax errors.
std::string line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("{}:{}", line, column);
}

// Where a number too large for a double (1e999) is: nlohmann names the literal, not its position,
// and its first occurrence is where parsing stopped.
std::string overflow_location(std::string_view text, std::string_view what) {
  const std::size_t open = what.find('\''), close = what.rfind('\'');
  if (open == std::string_view::npos || close <= open) return line_column(text, 0);
  const std::size_t at = text.find(what.substr(open + 1, close - open - 1));
  return line_column(text, at == std::string_view::npos ? 0 : at);
}

class JsonSpecReader {
 public:
  explicit JsonSpecReader(Diagnostics& diags) : diags_(diags), builder_(diags) {}

  Graph read(const json& doc, const SpecOptions& options) {
    AttrReader top(doc, "", diags_);
    if (!top.is_object()) return {};
    builder_.graph().name = top.string("name", std::nullopt);
    if (top.valid("name") && !is_identifier(builder_.graph().name))
      diags_.error("/name", fmt::format("expected an identifier ([A-Za-z_][A-Za-z0-9_]*, used for C++ names), found "
                                        "\"{}\"",
                                        builder_.graph().name));
    read_input(top, options);
    const json* stages = top.child("stages");
    const json* output = top.child("output");
    top.finish();
    if (!stages) {
      diags_.error("", "missing required key \"stages\" (an array of stages)");
      return {};
    }
    if (!stages->is_array() || stages->empty()) {
      diags_.error("/stages", fmt::format("expected a non-empty array of stages, found {}", describe(*stages)));
      return {};
    }
    declare_names(*stages);
    ValueId current = builder_.graph().input;
    for (std::size_t i = 0; i < stages->size(); ++i) current = read_stage((*stages)[i], fmt::format("/stages/{}", i), current);
    builder_.graph().output = current;
    if (output) {
      if (output->is_string()) builder_.graph().output = builder_.lookup(output->get<std::string>(), "/output");
      else diags_.error("/output", fmt::format("expected a value name, found {}", describe(*output)));
    }
    return builder_.take();
  }

 private:
  void read_input(AttrReader& top, const SpecOptions& options) {
    const json* input = top.child("input");
    if (!input) {
      diags_.error("", "missing required key \"input\" (e.g. {\"shape\": [1, 1, 224, 224]})");
      return;
    }
    AttrReader in(*input, "/input", diags_);
    Shape shape = in.integer_list("shape", 1);
    in.finish();
    if (in.valid("shape") && shape.size() != 4)
      diags_.error("/input/shape", fmt::format("expected 4 dimensions [N, C, H, W], found {}", shape.size()));
    if (options.input_shape) {
      shape = *options.input_shape;
      const bool positive = std::all_of(shape.begin(), shape.end(), [](std::int64_t d) { return d >= 1 && d <= kMaxDim; });
      if (shape.size() != 4 || !positive) {
        diags_.error("/input/shape", fmt::format("the input shape override {} must be 4 sizes [N, C, H, W], each in [1, {}]",
                                                 to_string(shape), kMaxDim));
        shape.clear();
      }
    }
    if (shape.size() == 4 && !checked_numel(shape)) {
      diags_.error("/input/shape", fmt::format("input {} has too many elements", to_string(shape)));
      shape.clear();
    }
    builder_.set_input(shape.size() == 4 ? shape : Shape{});
  }

  // Records every stage and layer name with its pointer before building, for forward-reference
  // messages.
  void declare_names(const json& stages) {
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const json& stage = stages[i];
      if (!stage.is_object()) continue;
      const std::string where = fmt::format("/stages/{}", i);
      if (stage.contains("name") && stage["name"].is_string()) builder_.declare_ahead(stage["name"], where);
      if (!stage.contains("layers") || !stage["layers"].is_array()) continue;
      for (std::size_t j = 0; j < stage["layers"].size(); ++j) {
        const json& layer = stage["layers"][j];
        if (layer.is_object() && layer.contains("name") && layer["name"].is_string())
          builder_.declare_ahead(layer["name"], fmt::format("{}/layers/{}", where, j));
      }
    }
  }

  ValueId read_stage(const json& stage, const std::string& where, ValueId current) {
    AttrReader attrs(stage, where, diags_);
    if (!attrs.is_object()) return kInvalidValue;
    attrs.allow({"name", "input", "layers", "op", "weights"});
    const std::string name = attrs.string("name", std::nullopt);
    if (attrs.valid("name") && !is_identifier(name))
      diags_.error(attrs.pointer_to("name"), fmt::format("expected an identifier, found \"{}\"", name));
    builder_.graph().stages.push_back(name);
    if (attrs.has("input")) {
      const std::string input = attrs.string("input", "");
      current = attrs.valid("input") ? builder_.lookup(input, attrs.pointer_to("input")) : kInvalidValue;
    }

    if (attrs.has("op")) {
      current = read_macro_stage(attrs, name, current);
    } else if (const json* layers = attrs.child("layers")) {
      attrs.finish();
      if (!layers->is_array() || layers->empty()) {
        diags_.error(attrs.pointer_to("layers"), fmt::format("expected a non-empty array of layers, found {}", describe(*layers)));
        return kInvalidValue;
      }
      for (std::size_t j = 0; j < layers->size(); ++j)
        current = read_layer((*layers)[j], fmt::format("{}/layers/{}", where, j), name, j, current);
    } else {
      attrs.finish();
      diags_.error(where, fmt::format("a stage needs \"layers\" (an array) or \"op\" (a stage macro: {})",
                                      fmt::join(macro_names(), ", ")));
      return kInvalidValue;
    }
    if (!name.empty()) builder_.define(name, current, where);  // also when invalid: see GraphBuilder::lookup
    return current;
  }

  ValueId read_macro_stage(AttrReader& attrs, const std::string& stage, ValueId current) {
    const std::string op = attrs.string("op", std::nullopt);
    const std::string weights = attrs.string("weights", std::nullopt);
    if (!is_macro(op)) {
      diags_.error(attrs.pointer_to("op"), fmt::format("expected a stage macro ({}), found \"{}\"; "
                                                       "plain ops go in \"layers\"",
                                                       fmt::join(macro_names(), ", "), op));
      attrs.finish();
      return kInvalidValue;
    }
    const auto out = expand_macro(op, builder_, attrs, current, {stage, weights, stage, attrs.pointer()});
    attrs.finish();
    return *out;
  }

  ValueId read_layer(const json& layer, const std::string& where, const std::string& stage, std::size_t index,
                     ValueId current) {
    AttrReader attrs(layer, where, diags_);
    if (!attrs.is_object()) return kInvalidValue;
    const std::string op = attrs.string("op", std::nullopt);
    const std::string name = attrs.string("name", stage + "." + std::to_string(index));
    std::string weights = attrs.string("weights", is_macro(op) ? std::nullopt : std::optional<std::string>(""));
    // A prefix of the wrong type was reported; a placeholder avoids a second "missing" message.
    if (attrs.has("weights") && !attrs.valid("weights")) weights = "<invalid>";
    const std::vector<ValueId> inputs = resolve_inputs(attrs);

    if (is_macro(op)) {
      if (inputs.size() > 1)
        diags_.error(attrs.pointer_to("inputs"), fmt::format("{} takes one input; \"inputs\" names {}", op, inputs.size()));
      const ValueId x = inputs.empty() ? current : inputs.front();
      const auto out = expand_macro(op, builder_, attrs, x, {name, weights, stage, where});
      attrs.finish();
      builder_.define(name, *out, where);  // the unit's output answers to its name
      return *out;
    }
    if (!attrs.valid("op")) {
      builder_.define(name, kInvalidValue, where);
      return kInvalidValue;  // without an op its other keys cannot be judged
    }
    auto parsed = parse_op(op, attrs, attrs.pointer_to("op"));
    attrs.finish();
    if (!parsed) return kInvalidValue;
    Node node{name, stage, weights, where, std::move(*parsed), {}, kInvalidValue};
    auto wired = wire(node.op, inputs, current, where);
    if (!wired) {
      builder_.define(name, kInvalidValue, where);
      return kInvalidValue;
    }
    node.inputs = std::move(*wired);
    return builder_.add(std::move(node));
  }

  std::vector<ValueId> resolve_inputs(AttrReader& attrs) {
    std::vector<ValueId> ids;
    const std::vector<std::string> names = attrs.string_list("inputs");
    for (std::size_t i = 0; i < names.size(); ++i)
      ids.push_back(builder_.lookup(names[i], fmt::format("{}/{}", attrs.pointer_to("inputs"), i)));
    return ids;
  }

  // Default wiring: a one-input op reads the previous value; `add` with one named input adds it
  // to the previous value.
  std::optional<std::vector<ValueId>> wire(const Op& op, std::vector<ValueId> inputs, ValueId current,
                                           const std::string& where) {
    const int arity = op_arity(op);
    if (arity == 2 && inputs.empty()) {
      diags_.error(where, fmt::format("{} needs \"inputs\": the value to add to the previous one, or two names", op_name(op)));
      return std::nullopt;
    }
    if (inputs.empty()) inputs.push_back(current);
    if (arity == 2 && inputs.size() == 1) inputs.insert(inputs.begin(), current);
    if (static_cast<int>(inputs.size()) != arity) {
      diags_.error(where, fmt::format("{} takes {} input(s); \"inputs\" names {}", op_name(op), arity, inputs.size()));
      return std::nullopt;
    }
    return inputs;
  }

  Diagnostics& diags_;
  GraphBuilder builder_;
};

}  // namespace

Graph parse_spec_json(std::string_view text, const std::string& file, const SpecOptions& options) {
  Diagnostics diags;
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // nlohmann's byte is one past the offending character.
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    if (auto pos = what.find("parse error at "); pos != std::string::npos) what = what.substr(pos);
    if (auto pos = what.find(": "); pos != std::string::npos) what = what.substr(pos + 2);
    diags.error(line_column(text, offset), "invalid JSON: " + what);
    throw_if_errors(diags, file);
  } catch (const json::out_of_range& e) {
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    diags.error(overflow_location(text, what), "invalid JSON: " + what);
    throw_if_errors(diags, file);
  }
  Graph graph = read_spec_document(doc, options, diags);
  throw_if_errors(diags, file);
  return graph;
}

Graph read_spec_document(const json& doc, const SpecOptions& options, Diagnostics& diags) {
  const std::size_t errors_before = diags.items().size();
  JsonSpecReader reader(diags);
  Graph graph = reader.read(doc, options);
  if (diags.items().size() == errors_before && graph.output == kInvalidValue) diags.error("", "the network has no output");
  return graph;
}

}  // namespace rnc
