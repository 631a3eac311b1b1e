
#include <fmt/format.h>

#include <algorithm>

#include "codegen/compile.hpp"
#include "codegen/fold_batchnorm.hpp"
#include "codegen/int8_reference.hpp"
#include "dsl/calibration_data.hpp"
#include "dsl/spec_reader.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {

std::optional<Shape> input_shape_option(const Parsed& parsed) {
  const auto shape = parsed.get("--input-shape");
  if (!shape) return std::nullopt;
  const auto dims = parse_integer_list("--input-shape", *shape, 4, 1, kMaxDim);
  return Shape(dims.begin(), dims.end());
}

Network load_network(const Parsed& parsed, const std::string& command) {
  if (parsed.positional.size() != 1)
    throw UsageError(parsed.positional.empty() ? fmt::format("'{}' needs a SPEC file", command)
                                               : fmt::format("'{}' takes one SPEC file, got {} arguments", command,
                                                             parsed.positional.size()));
  SpecOptions options;
  options.input_shape = input_shape_option(parsed);
  const std::string& path = parsed.positional.front();
  Network network = read_network(path, options);
  check_memory_limit(network.graph, max_memory(parsed), path);
  return network;
}

std::uint64_t max_memory(const Parsed& parsed) {
  const auto text = parsed.get("--max-memory");
  return text ? parse_size("--max-memory", *text) : kDefaultMaxMemoryBytes;
}

WeightMap load_weights(const Parsed& parsed, Network& network) {
  const Graph& graph = network.graph;
  const bool file = parsed.has("--weights"), random = parsed.has("--random-weights");
  if (network.weights) {
    if (file)
      throw UsageError("an ONNX model carries its weights: --weights is for specs (--random-weights replaces them)");
    if (!random) return std::move(*network.weights);
  } else if (file == random) {
    throw UsageError("give exactly one of --weights FILE and --random-weights SEED");
  }
  if (random) {
    const auto seed = parse_integer("--random-weights", *parsed.get("--random-weights"), 0, (1ll << 62));
    return random_weights(graph, static_cast<std::uint64_t>(seed));
  }
  const std::string path = *parsed.get("--weights");
  WeightMap weights = read_safetensors(path);
  check_weights(graph, weights, path);
  return weights;
}

namespace {

std::vector<std::string> split_names(const std::string& option, const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    names.push_back(text.substr(start, comma - start));
    if (names.back().empty()) throw UsageError(fmt::format("option '{}' expects NAME,..., got '{}'", option, text));
    if (comma == std::string::npos) return names;
    start = comma + 1;
  }
}

}  // namespace

void read_precision_options(const Parsed& parsed, const Graph& graph, CompileOptions& options) {
  options.target = parsed.get("--target").value_or("native");
  if (!is_target_name(options.target))
    throw UsageError(fmt::format("option '--target' expects one of {}, got '{}'", target_names(), options.target));
  const std::string precision = parsed.get("--precision").value_or("fp32");
  if (precision != "fp32" && precision != "int8")
    throw UsageError(fmt::format("option '--precision' expects fp32 or int8, got '{}'", precision));
  if (precision == "fp32") {
    for (const char* int8_only : {"--calibration", "--calibration-method", "--keep-fp32"})
      if (parsed.has(int8_only)) throw UsageError(fmt::format("option '{}' needs --precision int8", int8_only));
    return;
  }
  options.precision = Precision::kInt8;
  if (!parsed.has("--calibration"))
    throw UsageError("--precision int8 needs --calibration FILE: images (as the network's input) to choose the scales");
  if (const auto method = parsed.get("--calibration-method")) {
    const auto parsed_method = parse_calibration_method(*method);
    if (!parsed_method)
      throw UsageError(
          fmt::format("option '--calibration-method' expects minmax, percentile or entropy, got '{}'", *method));
    options.int8.method = *parsed_method;
  }
  if (const auto keep = parsed.get("--keep-fp32")) options.int8.keep_fp32 = split_names("--keep-fp32", *keep);
  // One image at a time whatever the network's batch (calibrate() runs the model at batch 1).
  Shape single_image = graph.shape(graph.input);
  single_image[0] = 1;
  options.int8.calibration = read_calibration_images(*parsed.get("--calibration"), single_image);
}

Tensor run_interpreter(const Graph& graph, const WeightMap& weights, const CompileOptions& options, const Tensor& input,
                       const NodeObserver& observe) {
  if (options.precision != Precision::kInt8) return run_reference(graph, weights, input, observe);
  const Model model = prepare_model(graph, options);
  const ActivationScales scales = calibrate_model(model, weights, options);
  return run_int8_reference(model, fold_batchnorm_weights(model.folds, weights), scales, input, observe);
}

std::vector<OptionSpec> with_options(std::vector<OptionSpec> base, const std::vector<OptionSpec>& more) {
  base.insert(base.end(), more.begin(), more.end());
  std::stable_partition(base.begin(), base.end(), [](const OptionSpec& o) { return o.name != kHelpOption.name; });
  return base;
}

bool print_help_if_asked(const Parsed& parsed, const std::string& usage, const std::vector<OptionSpec>& specs) {
  if (!parsed.has("--help")) return false;
  fmt::print("{}\nOptions:\n{}", usage, format_options(specs));
  return true;
}

}  // namespace rnc::cli
