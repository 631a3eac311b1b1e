// The spec reader, for both syntaxes: a SpecValue document -> a checked Graph. Layout
// (docs/spec.md has the full reference):
//   { "name": ..., "input": {"shape": [N,C,H,W]}, "stages": [ stage, ... ], "output": name? }
//   stage = { "name", "input"?, "layers": [layer, ...] } | { "name", "op": macro, macro attrs... }
//   layer = { "op", "name"?, "inputs"?, "weights"?, op attrs... }
// A missing "weights" is the default prefix of docs/spec.md section 7.2. A stage or layer written
// with a syntax error (.rn) is read for the names it defines, silently.
#include "dsl/spec_reader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dsl/attr_reader.hpp"
#include "dsl/default_prefixes.hpp"
#include "dsl/graph_builder.hpp"
#include "dsl/identifier.hpp"
#include "dsl/macros.hpp"
#include "dsl/onnx/onnx_import.hpp"
#include "dsl/spec_rn.hpp"

namespace rnc {
namespace {

class SpecReader {
 public:
  explicit SpecReader(Diagnostics& diags) : diags_(diags), builder_(diags) {}

  Graph read(const SpecValue& doc, const SpecOptions& options) {
    AttrReader top(doc, diags_);
    if (!top.is_object()) return {};
    builder_.graph().name = top.string("name", std::nullopt);
    if (top.valid("name") && !is_identifier(builder_.graph().name))
      diags_.error(top.where_of("name"), fmt::format("expected an identifier ({}, used for C++ names), found \"{}\"",
                                                     kIdentifierPattern, builder_.graph().name));
    read_input(top, options);
    const SpecValue* stages = top.child("stages");
    const SpecValue* output = top.child("output");
    top.finish();
    if (!stages) {
      diags_.error(doc.where, "missing required key \"stages\" (an array of stages)");
      return {};
    }
    if (!stages->is_array() || stages->items.empty()) {
      if (!stages->broken)
        diags_.error(stages->where, fmt::format("expected a non-empty array of stages, found {}", describe(*stages)));
      return {};
    }
    declare_names(*stages);
    ValueId current = builder_.graph().input;
    for (const SpecValue& stage : stages->items) {
      defaults_.enter(stage);
      current = read_stage(stage, current);
    }
    builder_.graph().output = current;
    if (output) {
      if (output->is_string()) builder_.graph().output = builder_.lookup(output->string(), output->where);
      else diags_.error(output->where, fmt::format("expected a value name, found {}", describe(*output)));
    }
    return builder_.take();
  }

 private:
  void read_input(AttrReader& top, const SpecOptions& options) {
    const SpecValue* input = top.required("input", "e.g. {\"shape\": [1, 1, 224, 224]}");
    if (!input) return;
    AttrReader in(*input, diags_);
    Shape shape = in.integer_list("shape", 1);
    in.finish();
    const Location where = in.where_of("shape");
    if (in.valid("shape") && shape.size() != 4)
      diags_.error(where, fmt::format("expected 4 dimensions [N, C, H, W], found {}", shape.size()));
    if (options.input_shape) {
      shape = *options.input_shape;
      const bool positive =
          std::all_of(shape.begin(), shape.end(), [](std::int64_t d) { return d >= 1 && d <= kMaxDim; });
      if (shape.size() != 4 || !positive) {
        diags_.error(where, fmt::format("the input shape override {} must be 4 sizes [N, C, H, W], each in [1, {}]",
                                        to_string(shape), kMaxDim));
        shape.clear();
      }
    }
    if (shape.size() == 4 && !checked_numel(shape)) {
      diags_.error(where, fmt::format("input {} has too many elements", to_string(shape)));
      shape.clear();
    }
    builder_.set_input(shape.size() == 4 ? shape : Shape{});
  }

  // Records every stage and layer name with its place before building, for forward-reference
  // messages.
  void declare_names(const SpecValue& stages) {
    for (const SpecValue& stage : stages.items) {
      declare(stage);
      const SpecValue* layers = stage.find("layers");
      if (!layers) continue;
      for (const SpecValue& layer : layers->items) declare(layer);
    }
  }

  void declare(const SpecValue& item) {
    const SpecValue* name = item.find("name");
    if (name && name->is_string()) builder_.declare_ahead(name->string(), item.where);
  }

  ValueId read_stage(const SpecValue& stage, ValueId current) {
    const Diagnostics::Mute mute(diags_, stage.broken);
    AttrReader attrs(stage, diags_);
    if (!attrs.is_object()) return kInvalidValue;
    attrs.allow({"name", "input", "layers", "op", "weights"});
    const std::string name = attrs.string("name", std::nullopt);
    if (attrs.valid("name") && !is_identifier(name))
      diags_.error(attrs.where_of("name"), fmt::format("expected an identifier, found \"{}\"", name));
    builder_.graph().stages.push_back(name);
    if (attrs.has("input")) {
      const std::string input = attrs.string("input", "");
      current = attrs.valid("input") ? builder_.lookup(input, attrs.where_of("input")) : kInvalidValue;
    }

    if (attrs.has("op")) {
      current = read_macro_stage(attrs, name, current);
    } else if (const SpecValue* layers = attrs.child("layers")) {
      attrs.finish();
      if (!layers->is_array() || layers->items.empty()) {
        diags_.error(layers->where, fmt::format("expected a non-empty array of layers, found {}", describe(*layers)));
        return kInvalidValue;
      }
      for (std::size_t j = 0; j < layers->items.size(); ++j) current = read_layer(layers->items[j], name, j, current);
    } else {
      attrs.finish();
      diags_.error(stage.where, fmt::format("a stage needs \"layers\" (an array) or \"op\" (a stage macro: {})",
                                            fmt::join(macro_names(), ", ")));
      return kInvalidValue;
    }
    if (!name.empty()) builder_.define(name, current, stage.where);  // also when invalid: see GraphBuilder::lookup
    return current;
  }

  ValueId read_macro_stage(AttrReader& attrs, const std::string& stage, ValueId current) {
    const std::string op = attrs.string("op", std::nullopt);
    const Prefix weights = read_prefix(attrs, defaults_.stage());
    if (!is_macro(op)) {
      diags_.error(attrs.where_of("op"), fmt::format("expected a stage macro ({}), found \"{}\"; "
                                                     "plain ops go in \"layers\"",
                                                     fmt::join(macro_names(), ", "), op));
      attrs.finish();
      return kInvalidValue;
    }
    const auto out = expand_macro(op, builder_, attrs, current, {stage, weights, stage, attrs.where()});
    attrs.finish();
    return *out;
  }

  ValueId read_layer(const SpecValue& layer, const std::string& stage, std::size_t index, ValueId current) {
    const Diagnostics::Mute mute(diags_, layer.broken);
    AttrReader attrs(layer, diags_);
    if (!attrs.is_object()) return kInvalidValue;
    const std::string op = attrs.string("op", std::nullopt);
    const std::string name = attrs.string("name", stage + "." + std::to_string(index));
    const Prefix weights = read_prefix(attrs, defaults_.layer(index));
    const std::vector<ValueId> inputs = resolve_inputs(attrs);

    if (is_macro(op)) {
      if (inputs.size() > 1)
        diags_.error(attrs.where_of("inputs"),
                     fmt::format("{} takes one input; \"inputs\" names {}", op, inputs.size()));
      const ValueId x = inputs.empty() ? current : inputs.front();
      const auto out = expand_macro(op, builder_, attrs, x, {name, weights, stage, layer.where});
      attrs.finish();
      builder_.define(name, *out, layer.where);  // the unit's output answers to its name
      return *out;
    }
    if (!attrs.valid("op")) {
      builder_.define(name, kInvalidValue, layer.where);
      return kInvalidValue;  // without an op its other keys cannot be judged
    }
    auto parsed = parse_op(op, attrs, attrs.where_of("op"));
    attrs.finish();
    if (!parsed) return kInvalidValue;
    Node node{name, stage, weights.name, layer.where, std::move(*parsed), {}, kInvalidValue};
    auto wired = wire(node.op, inputs, current, layer.where);
    if (!wired) {
      builder_.define(name, kInvalidValue, layer.where);
      return kInvalidValue;
    }
    node.inputs = std::move(*wired);
    return builder_.add(std::move(node), weights);
  }

  // The written "weights", or `fallback` without one.
  Prefix read_prefix(AttrReader& attrs, Prefix fallback) {
    const std::string written = attrs.string("weights", "");
    if (!attrs.has("weights")) return fallback;
    if (!attrs.valid("weights")) return {"", PrefixSource::kUnchecked, {}};
    if (written.empty()) {
      diags_.error(attrs.where_of("weights"),
                   "expected a non-empty state_dict prefix, found \"\" (leave \"weights\" out "
                   "for the default)");
      return {"", PrefixSource::kUnchecked, {}};
    }
    return {written, PrefixSource::kWritten, attrs.where_of("weights")};
  }

  std::vector<ValueId> resolve_inputs(AttrReader& attrs) {
    std::vector<ValueId> ids;
    for (const LocatedString& name : attrs.string_list("inputs")) ids.push_back(builder_.lookup(name.text, name.where));
    return ids;
  }

  // Default wiring: a one-input op reads the previous value; `add` with one named input adds it
  // to the previous value.
  std::optional<std::vector<ValueId>> wire(const Op& op, std::vector<ValueId> inputs, ValueId current,
                                           const Location& where) {
    const int arity = op_arity(op);
    if (arity == 2 && inputs.empty()) {
      diags_.error(where,
                   fmt::format("{} needs \"inputs\": the value to add to the previous one, or two names", op_name(op)));
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
  DefaultPrefixes defaults_;
};

}  // namespace

Graph read_spec_document(const SpecValue& doc, const SpecOptions& options, Diagnostics& diags) {
  Graph graph = SpecReader(diags).read(doc, options);
  // Without any error to explain it (a syntax error included), a missing output needs its own.
  if (diags.ok() && graph.output == kInvalidValue) diags.error(doc.where, "the network has no output");
  return graph;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CompileError(fmt::format("{}: cannot open file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_rn_path(std::string_view path) { return path.ends_with(".rn"); }

Graph read_spec(const std::string& path, const SpecOptions& options) {
  if (onnx_import::is_onnx_path(path)) return read_network(path, options).graph;
  const std::string text = read_text_file(path);
  return is_rn_path(path) ? parse_spec_rn(text, path, options) : parse_spec_json(text, path, options);
}

Network read_network(const std::string& path, const SpecOptions& options) {
  if (!onnx_import::is_onnx_path(path)) return {read_spec(path, options), std::nullopt};
  onnx_import::ImportedModel model = onnx_import::import_onnx(path, {options.input_shape, {}});
  Network network{onnx_import::imported_graph(model, path), std::move(model.weights)};
  check_weights(network.graph, *network.weights, path);
  return network;
}

}  // namespace rnc
