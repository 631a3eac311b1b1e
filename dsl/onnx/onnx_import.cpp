// The importer: the protobuf read and checked with ONNX's own library, the one network input
// found, each node translated in order (dsl/onnx/onnx_ops.cpp), then the layers named and
// grouped into stages the way the exporter scoped them, and the spec document written.
#include "dsl/onnx/onnx_import.hpp"

#include <climits>
#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/checker.h>

#include "dsl/identifier.hpp"
#include "dsl/onnx/onnx_translate.hpp"
#include "dsl/spec_reader.hpp"

namespace rnc::onnx_import {
namespace {

using nlohmann::ordered_json;

// Opsets before 7 differ in attributes the translators read as each version defines them (is_test,
// Gemm's broadcast, Reshape's shape attribute); 17 is the last libonnx 1.12 knows.
constexpr std::int64_t kFirstOpset = 1, kLastOpset = 17;

onnx::ModelProto parse_model(std::string_view bytes, const std::string& file) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    throw CompileError(fmt::format("{}: {} bytes is more than protobuf reads (2 GiB); store the weights as external "
                                   "data",
                                   file, bytes.size()));
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw CompileError(fmt::format("{}: not an ONNX model (the protobuf is truncated or corrupt)", file));
  if (!model.has_graph())
    throw CompileError(fmt::format("{}: not an ONNX model (no graph; is it an ONNX file?)", file));
  return model;
}

// ONNX's checker (schemas, attribute types, topological order, external files), run as
// onnx::checker::check_model runs it but with the model's directory for its external data.
void check_model(const onnx::ModelProto& model, const std::string& model_dir, const std::string& file) {
  if (model.ir_version() <= 0) throw CompileError(fmt::format("{}: invalid ONNX model: no ir_version", file));
  try {
    onnx::checker::CheckerContext context;
    context.set_ir_version(static_cast<int>(model.ir_version()));
    std::unordered_map<std::string, int> opsets;
    for (const auto& entry : model.opset_import()) opsets[entry.domain()] = static_cast<int>(entry.version());
    context.set_opset_imports(std::move(opsets));
    context.set_model_dir(model_dir.empty() ? "." : model_dir);
    onnx::checker::LexicalScopeContext scope;
    onnx::checker::check_graph(model.graph(), context, scope);
  } catch (const std::exception& e) {
    throw CompileError(fmt::format("{}: invalid ONNX model: {}", file, e.what()));
  }
}

// The version of the default (ai.onnx) operator set the model imports.
std::int64_t default_opset(const onnx::ModelProto& model, Diagnostics& diags) {
  for (const auto& entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx") {
      if (entry.version() < kFirstOpset || entry.version() > kLastOpset)
        diags.error({}, fmt::format("opset {} is not supported; resnetc reads opsets {} to {}", entry.version(),
                                    kFirstOpset, kLastOpset));
      return entry.version();
    }
  diags.error({}, "the model imports no default (ai.onnx) operator set");
  return 0;
}

// "node \"/layer1/layer1.0/conv1/Conv\" (Conv, opset 13)": where a node's problems are reported.
Location node_location(const onnx::NodeProto& node, int index, std::int64_t opset) {
  const std::string name = node.name().empty() ? fmt::format("#{}", index) : fmt::format("\"{}\"", node.name());
  return Location(fmt::format("node {} ({}, opset {})", name, node.op_type(), opset));
}

// ---------------------------------------------------------------- the network input

bool is_initializer(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& init : graph.initializer())
    if (init.name() == name) return true;
  return false;
}

// Dims of the input's declared type; a symbolic batch reads as 1, other symbolic dims need
// --input-shape.
Shape declared_shape(const onnx::ValueInfoProto& input, const ImportOptions& options, Diagnostics& diags) {
  const Location where(fmt::format("input \"{}\"", input.name()));
  const auto& type = input.type();
  if (!type.has_tensor_type() || type.tensor_type().elem_type() != onnx::TensorProto::FLOAT) {
    diags.error(where, "resnetc reads a FLOAT tensor input");
    return {};
  }
  Shape shape;
  std::vector<std::string> symbolic;
  const auto& dims = type.tensor_type().shape().dim();
  for (int i = 0; i < dims.size(); ++i) {
    if (dims[i].has_dim_value()) shape.push_back(dims[i].dim_value());
    else if (i == 0) shape.push_back(1);
    else symbolic.push_back(dims[i].has_dim_param() ? dims[i].dim_param() : "?");
  }
  if (options.input_shape) {
    if (options.input_shape->size() == shape.size() + symbolic.size()) return *options.input_shape;
    if (dims.size() == 2 && options.input_shape->size() == 4 && (*options.input_shape)[2] == 1 &&
        (*options.input_shape)[3] == 1)
      return {(*options.input_shape)[0], (*options.input_shape)[1]};
    diags.error(where, fmt::format("has {} dimensions; the input shape override {} does not fit", dims.size(),
                                   to_string(*options.input_shape)));
    return {};
  }
  if (!symbolic.empty()) {
    diags.error(where, fmt::format("has symbolic dimensions ({}); give the shape with --input-shape N,C,H,W",
                                   fmt::join(symbolic, ", ")));
    return {};
  }
  return shape;
}

bool plausible(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](std::int64_t d) { return d >= 1 && d <= kMaxDim; });
}

// The one graph input that is not a weight; defines it in `state`. Returns the spec's input shape:
// a 2-D input [N, K] is read as [N, K, 1, 1] and flattened by a first layer.
Shape define_input(const onnx::GraphProto& graph, const ImportOptions& options, GraphState& state) {
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& input : graph.input())
    if (!is_initializer(graph, input.name()) && !options.bound_inputs.contains(input.name())) inputs.push_back(&input);
  Diagnostics& diags = *state.diags;
  // Until defined below, the inputs are unknown: what reads them is not reported again.
  for (const auto* input : inputs) state.unknown.insert(input->name());
  if (inputs.size() != 1) {
    std::vector<std::string> names;
    for (const auto* input : inputs) names.push_back(fmt::format("\"{}\"", input->name()));
    diags.error({}, fmt::format("the graph has {} inputs{}{}; resnetc compiles networks with one input", inputs.size(),
                                names.empty() ? "" : ": ", fmt::join(names, ", ")));
    return {};
  }
  const Shape shape = declared_shape(*inputs.front(), options, diags);
  if (shape.empty()) return {};
  if ((shape.size() != 4 && shape.size() != 2) || !plausible(shape)) {
    diags.error(Location(fmt::format("input \"{}\"", inputs.front()->name())),
                fmt::format("has shape {}; resnetc reads a 4-D NCHW input (or a 2-D [N, features] one), each size in "
                            "[1, {}]",
                            to_string(shape), kMaxDim));
    return {};
  }
  state.unknown.erase(inputs.front()->name());
  if (shape.size() == 4) {
    state.values[inputs.front()->name()] = {kNetworkInput, shape};
    return shape;
  }
  LayerDraft flatten;
  flatten.attrs = {{"op", "flatten"}};
  flatten.inputs = {kNetworkInput};
  flatten.node_name = inputs.front()->name();
  flatten.where = Location(fmt::format("input \"{}\"", inputs.front()->name()));
  state.layers.push_back(std::move(flatten));
  state.values[inputs.front()->name()] = {0, shape};
  return {shape[0], shape[1], 1, 1};
}

// ---------------------------------------------------------------- translating the nodes

void count_readers(const onnx::GraphProto& graph, GraphState& state) {
  for (const auto& node : graph.node())
    for (const std::string& input : node.input()) ++state.readers[input];
  for (const auto& output : graph.output()) ++state.readers[output.name()];
}

std::string supported_ops() {
  std::vector<std::string> names;
  for (const auto& [name, translate] : translators()) names.push_back(name);
  return fmt::format("{}", fmt::join(names, ", "));
}

void translate_node(const onnx::NodeProto& node, int index, GraphState& state) {
  NodeContext ctx(node, node_location(node, index, state.opset), state);
  const auto& table = translators();
  const auto translator = table.find(node.op_type());
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    ctx.unsupported(fmt::format("op {} of domain \"{}\" is not supported; resnetc reads the default ONNX domain",
                                node.op_type(), node.domain()));
  } else if (translator == table.end()) {
    ctx.unsupported(fmt::format("op {} is not supported; resnetc supports {}", node.op_type(), supported_ops()));
  } else {
    translator->second(ctx);
    ctx.finish();
  }
  ctx.close_outputs();
}

// ---------------------------------------------------------------- names and stages

std::string sanitized(std::string_view name, bool dots) {
  std::string out;
  for (const char c : name) out += is_identifier_char(c) || (dots && c == '.') ? c : '_';
  if (out.empty() || !is_identifier_start(out.front())) out.insert(out.begin(), '_');
  return out;
}

// A scoped node name as PyTorch writes it, "/layer1/layer1.0/conv1/Conv", as its module path
// ["layer1", "layer1.0", "conv1"]; empty for other names.
std::vector<std::string> module_path(const std::string& node_name) {
  std::vector<std::string> parts;
  if (!node_name.starts_with('/')) return parts;
  std::size_t start = 1;
  while (start <= node_name.size()) {
    const std::size_t slash = std::min(node_name.find('/', start), node_name.size());
    if (slash > start) parts.push_back(node_name.substr(start, slash - start));
    start = slash + 1;
  }
  if (!parts.empty()) parts.pop_back();  // the op's own name
  return parts;
}

// ["layer1", "layer1.0", "conv1"] -> "layer1.0.conv1" and ["layer2.0", "downsample", "downsample.0"]
// -> "layer2.0.downsample.0": a scope that repeats the end of its parent's path replaces that end.
std::string qualified_name(const std::vector<std::string>& path) {
  std::string name;
  for (const std::string& part : path) {
    std::size_t keep = name.size();  // how much of `name` stays before `part`
    for (std::size_t start = 0; start < name.size(); start = name.find('.', start) + 1) {
      if (part.starts_with(std::string_view(name).substr(start)) && part.size() > name.size() - start &&
          part[name.size() - start] == '.') {
        keep = start;
        break;
      }
      if (name.find('.', start) == std::string::npos) break;
    }
    name = keep == 0 ? part : name.substr(0, keep) + (keep == name.size() ? "." : "") + part;
  }
  return name;
}

class Namer {
 public:
  std::string unique(std::string name) {
    std::string candidate = name;
    for (int i = 2; !used_.insert(candidate).second; ++i) candidate = fmt::format("{}_{}", name, i);
    return candidate;
  }

 private:
  std::set<std::string> used_{"input"};
};

struct StagePlan {
  std::vector<std::string> names;  // per stage
  std::vector<int> first_layer;    // per stage
};

using Containers = std::vector<std::string>;  // per layer: the stage it belongs to, "" for none

// PyTorch 2 scopes node names by module: "/layer1/layer1.0/conv1/Conv" is in "layer1".
Containers containers_from_scopes(const std::vector<LayerDraft>& layers) {
  Containers out(layers.size());
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (const auto path = module_path(layers[i].node_name); path.size() >= 2) out[i] = path.front();
  return out;
}

// Older exporters keep state_dict names on unfolded weights: "layer1.0.conv1.weight" is in
// "layer1"; a layer without weights stays with the one before it.
Containers containers_from_weights(const std::vector<LayerDraft>& layers) {
  Containers out(layers.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string& prefix = layers[i].state_dict_prefix;
    if (const std::size_t dot = prefix.find('.'); dot != std::string::npos) out[i] = prefix.substr(0, dot);
    else if (layers[i].params.empty() && i > 0) out[i] = out[i - 1];
  }
  return out;
}

// Without names: one stage per residual unit, each ending at an add (and the relu after it).
Containers containers_from_units(const std::vector<LayerDraft>& layers) {
  Containers out(layers.size());
  int unit = 0;
  std::size_t last_end = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const bool ends_unit = layers[i].attrs.value("op", "") == "add" &&
                           (i + 1 == layers.size() || layers[i + 1].attrs.value("op", "") != "relu");
    const bool relu_after_add = i > 0 && layers[i].attrs.value("op", "") == "relu" &&
                                layers[i - 1].attrs.value("op", "") == "add";
    out[i] = unit == 0 ? "" : fmt::format("unit{}", unit);
    if (ends_unit || relu_after_add) {
      ++unit;
      last_end = i + 1;
      out[i] = fmt::format("unit{}", unit);
    }
  }
  for (std::size_t i = last_end; i < layers.size(); ++i) out[i].clear();  // the head
  return out;
}

bool any_named(const Containers& c) {
  return std::any_of(c.begin(), c.end(), [](const auto& name) { return !name.empty(); });
}

// Consecutive layers of one container form a stage of that name; the layers between such stages
// form "stem", "head" or "part<k>" stages. Stages become the generated code's source files.
StagePlan plan_stages(const std::vector<LayerDraft>& layers, Namer& namer) {
  Containers container = containers_from_scopes(layers);
  if (!any_named(container)) container = containers_from_weights(layers);
  if (!any_named(container)) container = containers_from_units(layers);
  const bool scoped = any_named(container);
  const auto none_in = [&](std::size_t from, std::size_t to) {
    return std::all_of(container.begin() + static_cast<std::ptrdiff_t>(from),
                       container.begin() + static_cast<std::ptrdiff_t>(to), [](const auto& c) { return c.empty(); });
  };
  StagePlan plan;
  std::size_t loose_runs = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (i > 0 && container[i] == container[i - 1]) continue;
    std::string name = container[i];
    if (name.empty())
      name = !scoped              ? "layers"
             : none_in(0, i)      ? "stem"
             : none_in(i, layers.size()) ? "head"
                                  : fmt::format("part{}", ++loose_runs);
    plan.names.push_back(namer.unique(sanitized(name, false)));
    plan.first_layer.push_back(static_cast<int>(i));
  }
  return plan;
}

std::string layer_name(const LayerDraft& layer) {
  if (const auto path = module_path(layer.node_name); !path.empty()) return sanitized(qualified_name(path), true);
  if (!layer.state_dict_prefix.empty()) return sanitized(layer.state_dict_prefix, true);
  if (!layer.node_name.empty() && !layer.node_name.starts_with('/')) return sanitized(layer.node_name, true);
  return layer.attrs.value("op", "layer");  // made unique by the Namer
}

// ---------------------------------------------------------------- the document

SpecValue located(const ordered_json& value, const Location& where) {
  if (value.is_object()) {
    SpecValue out = SpecValue::object_at(where);
    for (const auto& [key, member] : value.items()) out.add(key, located(member, where));
    return out;
  }
  if (value.is_array()) {
    SpecValue out = SpecValue::array_at(where);
    for (const auto& item : value) out.items.push_back(located(item, where));
    return out;
  }
  return SpecValue::scalar_at(nlohmann::json(value), where);
}

// A layer's "inputs" as a person would write them (docs/spec.md section 6): none when it reads
// the value just before it, one name for an add of that value and another, else every name.
template <class ValueName>
std::optional<ordered_json> written_inputs(const std::vector<int>& inputs, int previous, const ValueName& name) {
  if (inputs.size() == 1 && inputs[0] == previous) return std::nullopt;
  if (inputs.size() == 2 && (inputs[0] == previous) != (inputs[1] == previous))
    return name(inputs[0] == previous ? inputs[1] : inputs[0]);
  if (inputs.size() == 1) return name(inputs[0]);
  ordered_json names = ordered_json::array();
  for (const int input : inputs) names.push_back(name(input));
  return names;
}

struct Written {
  ordered_json spec;
  WeightMap weights;
};

Written write_spec(const std::string& name, const Shape& input, GraphState& state, int output_layer) {
  Namer namer;
  const StagePlan stages = plan_stages(state.layers, namer);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < state.layers.size(); ++i) names.push_back(namer.unique(layer_name(state.layers[i])));
  const auto value_name = [&](int layer) { return layer == kNetworkInput ? "input" : names[std::size_t(layer)]; };

  Written out;
  out.spec = {{"name", name}, {"input", {{"shape", input}}}, {"stages", ordered_json::array()}};
  std::set<std::string> prefixes;
  for (std::size_t s = 0; s < stages.names.size(); ++s) {
    const int end = s + 1 < stages.names.size() ? stages.first_layer[s + 1] : static_cast<int>(state.layers.size());
    ordered_json stage = {{"name", stages.names[s]}, {"layers", ordered_json::array()}};
    for (int l = stages.first_layer[s]; l < end; ++l) {
      LayerDraft& draft = state.layers[static_cast<std::size_t>(l)];
      ordered_json layer = {{"op", draft.attrs["op"]}, {"name", names[std::size_t(l)]}};
      if (auto inputs = written_inputs(draft.inputs, l - 1, value_name)) layer["inputs"] = std::move(*inputs);
      if (!draft.params.empty()) {
        std::string prefix = draft.state_dict_prefix;
        if (prefix.empty() || !prefixes.insert(prefix).second) prefix = names[std::size_t(l)];
        prefixes.insert(prefix);
        layer["weights"] = prefix;
        for (auto& [suffix, tensor] : draft.params) out.weights.tensors[prefix + "." + suffix] = std::move(tensor);
      }
      for (const auto& [key, value] : draft.attrs.items())
        if (key != "op") layer[key] = value;
      stage["layers"].push_back(std::move(layer));
    }
    out.spec["stages"].push_back(std::move(stage));
  }
  if (output_layer != static_cast<int>(state.layers.size()) - 1) out.spec["output"] = value_name(output_layer);
  return out;
}

// The spec as the reader sees it: each layer located at its ONNX node (`layers` in the spec's
// order), everything else at the file as a whole.
SpecValue located_document(const ordered_json& spec, const std::vector<LayerDraft>& layers) {
  SpecValue document = SpecValue::object_at({});
  std::size_t next_layer = 0;
  for (const auto& [key, value] : spec.items()) {
    if (key != "stages") {
      document.add(key, located(value, {}));
      continue;
    }
    SpecValue stages = SpecValue::array_at({});
    for (const ordered_json& stage : value) {
      SpecValue stage_value = SpecValue::object_at({});
      stage_value.add("name", located(stage["name"], {}));
      SpecValue layer_values = SpecValue::array_at({});
      for (const ordered_json& layer : stage["layers"])
        layer_values.items.push_back(located(layer, layers[next_layer++].where));
      stage_value.add("layers", std::move(layer_values));
      stages.items.push_back(std::move(stage_value));
    }
    document.add("stages", std::move(stages));
  }
  return document;
}

std::string network_name(const onnx::ModelProto& model, const std::string& file) {
  std::string name = model.graph().name();
  if (name.empty() || name == "torch_jit" || name == "main_graph") name = std::filesystem::path(file).stem().string();
  return sanitized(name, false);
}

}  // namespace

bool is_onnx_path(std::string_view path) { return path.ends_with(".onnx"); }

Graph imported_graph(const ImportedModel& model, const std::string& file) {
  Diagnostics diags;
  Graph graph = read_spec_document(model.document, {}, diags);
  throw_if_errors(diags, file);
  return graph;
}

ImportedModel import_onnx_bytes(std::string_view bytes, const std::string& file, const std::string& model_dir,
                                const ImportOptions& options) {
  const onnx::ModelProto model = parse_model(bytes, file);
  check_model(model, model_dir, file);
  Diagnostics diags;
  GraphState state;
  state.model_dir = model_dir;
  state.diags = &diags;
  state.opset = static_cast<int>(default_opset(model, diags));
  state.bound_inputs = options.bound_inputs;
  const onnx::GraphProto& graph = model.graph();
  for (const auto& init : graph.initializer()) state.constants[init.name()] = &init;
  const Shape input = define_input(graph, options, state);
  count_readers(graph, state);
  for (int i = 0; i < graph.node_size(); ++i) translate_node(graph.node(i), i, state);

  int output_layer = kNetworkInput;
  if (graph.output_size() != 1) {
    diags.error({}, fmt::format("the graph has {} outputs; resnetc compiles networks with one output",
                                graph.output_size()));
  } else if (const auto found = state.values.find(graph.output(0).name()); found != state.values.end()) {
    output_layer = found->second.layer;
    if (output_layer == kNetworkInput) diags.error({}, "the graph's output is its input; there is nothing to compile");
  } else if (!state.unknown.contains(graph.output(0).name())) {
    diags.error({}, fmt::format("the graph's output \"{}\" is not computed by any node", graph.output(0).name()));
  }
  throw_if_errors(diags, file);
  Written written = write_spec(network_name(model, file), input, state, output_layer);
  SpecValue document = located_document(written.spec, state.layers);
  return {std::move(written.spec), std::move(document), std::move(written.weights)};
}

ImportedModel import_onnx(const std::string& path, const ImportOptions& options) {
  const std::string bytes = read_text_file(path);
  return import_onnx_bytes(bytes, path, std::filesystem::path(path).parent_path().string(), options);
}

}  // namespace rnc::onnx_import
