// resnetc check: every stage and layer with its output shape, parameters and MACs, and the
// activation arena the generated code will use.
#include <fmt/format.h>

#include <algorithm>

#include "codegen/compile.hpp"
#include "codegen/fold_batchnorm.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

const std::vector<OptionSpec> kOptions = with_options(
    {kInputShapeOption, kMaxMemoryOption, kWeightsOption, kRandomWeightsOption, kTargetOption, kHelpOption},
    kPrecisionOptions);

std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::int64_t node_params(const Graph& g, const Node& n) {
  std::int64_t total = 0;
  for (const ParamSpec& p : g.params(n)) total += numel(p.shape);
  return total;
}

void print_layers(const Graph& g) {
  fmt::print("{:<6} {:<16} {:<22} {:<18} {:>12} {:>15}\n", "stage", "layer", "op", "output", "params", "MACs");
  std::string stage;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const std::string summary = std::visit([](const auto& op) { return op.summary(); }, n.op);
    fmt::print("{:<6} {:<16} {:<22} {:<18} {:>12} {:>15}\n", n.stage == stage ? "" : n.stage, n.name, summary,
               to_string(g.shape(n.output)), with_commas(node_params(g, n)), with_commas(g.macs(n)));
    stage = n.stage;
    const bool stage_ends = i + 1 == g.nodes.size() || g.nodes[i + 1].stage != n.stage;
    if (stage_ends) fmt::print("{:<6} {:<16} {}\n", "", "=> " + n.stage, to_string(g.shape(n.output)));
  }
}

std::string layout_name(const Buffer& b) {
  switch (b.layout) {
    case Layout::kNchw:
      return "NCHW";
    case Layout::kPaddedNchw:
      return "NCHW+halo";
    case Layout::kBlocked:
      return blocked_name(b.geometry.lanes);
    case Layout::kFlat:
      return "flat";
  }
  return "?";
}

// Where every activation lives: arena offset and size, and the steps that write it first and
// read it last (its lifetime); the caller's input and output are outside the arena.
void print_memory_map(const Program& p) {
  fmt::print("\nmemory map (activations):\n{:<16} {:<10} {:<16} {:>4} {:>12} {:>12}  {}\n", "value", "layout", "shape",
             "halo", "offset", "bytes", "first use -> last use");
  for (const Buffer& b : p.buffers) {
    const std::string offset = b.storage == Storage::kArena   ? with_commas(b.offset * 4)
                               : b.storage == Storage::kInput ? "caller in"
                                                              : "caller out";
    const auto step_name = [&](int step) { return step >= 0 ? p.steps[static_cast<std::size_t>(step)].label : "-"; };
    fmt::print("{:<16} {:<10} {:<16} {:>4} {:>12} {:>12}  {} -> {}\n", b.name,
               b.dtype == DType::kF32 ? layout_name(b) : fmt::format("{} {}", layout_name(b), dtype_name(b.dtype)),
               to_string(b.logical_shape()), b.geometry.pad, offset, with_commas(b.floats() * 4),
               step_name(b.first_step), step_name(b.last_step));
  }
}

// int8: the weights' range on the target, and each int8 convolution's activation scales (input,
// output, residual) and the range of its per-channel weight scales, from the calibration images.
void print_int8_scales(const Graph& graph, const WeightMap& weights, const CompileOptions& options) {
  const Model model = prepare_model(graph, options);
  const ActivationScales scales = calibrate_model(model, weights, options);
  const WeightMap folded = fold_batchnorm_weights(model.folds, weights);
  fmt::print("\nint8 layers ({} calibration images, {}; real value = q * scale):\n", options.int8.calibration.size(),
             name(options.int8.method));
  const TargetChoice target = resolve_target(options.target);
  fmt::print("weights {}, target {}\n", target.target->describe_int8_weights(), target.describe());
  fmt::print("{:<16} {:>12} {:>12} {:>12} {:>25}\n", "layer", "input", "output", "residual", "weights (per channel)");
  for (const Node& n : model.graph.nodes) {
    if (!is_int8_conv(model, n)) continue;
    const QConvRecipe recipe = qconv_recipe(model, n);
    const QConvLayer q = quantize_conv(recipe, folded, scales);
    const float s_in = scale_of(scales, recipe.in);
    const auto [lo, hi] = std::minmax_element(q.mult.begin(), q.mult.end());
    const float s_out = scale_of(scales, recipe.out);
    const std::string residual = recipe.residual >= 0 ? fmt::format("{:.4g}", scale_of(scales, recipe.residual)) : "-";
    fmt::print("{:<16} {:>12.4g} {:>12.4g} {:>12} {:>12.4g}..{:<12.4g}\n", n.name, s_in, s_out, residual,
               *lo * s_out / s_in, *hi * s_out / s_in);
  }
  int fp32 = 0;
  for (const Node& n : model.graph.nodes) fp32 += std::holds_alternative<Conv2d>(n.op) && !is_int8_conv(model, n);
  fmt::print("{} convolutions stay float (their input is not known non-negative, or --keep-fp32)\n", fp32);
}

}  // namespace

int check_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(parsed,
                          "Usage: resnetc check SPEC [--input-shape N,C,H,W]\n\nChecks every shape of SPEC and "
                          "prints each stage and layer with its output shape, parameters and MACs, and the "
                          "activation arena of the generated code.\nWith --precision int8 --calibration FILE and "
                          "weights, also each int8 layer's scales.",
                          kOptions))
    return 0;
  Network network = load_network(parsed, "check");
  const Graph& graph = network.graph;
  CompileOptions options;
  read_precision_options(parsed, graph, options);
  fmt::print("network {}: input {} -> output {}\n\n", graph.name, to_string(graph.shape(graph.input)),
             to_string(graph.shape(graph.output)));
  print_layers(graph);
  const std::int64_t macs = total_macs(graph);
  fmt::print("\ntotal: {} parameters, {} MACs ({:.3f} GFLOP per run)\n", with_commas(total_params(graph)),
             with_commas(macs), 2.0 * static_cast<double>(macs) / 1e9);
  // The arena and the packed sizes depend on layouts and fusion, not on weight values.
  const Program program = plan_program(graph, options);
  fmt::print("activation arena: {} bytes ({:.2f} MiB); liveness lower bound {} bytes ({:.2f}x)\n",
             with_commas(program.arena_floats * 4), static_cast<double>(program.arena_floats) * 4 / (1 << 20),
             with_commas(program.arena_lower_bound_floats * 4),
             static_cast<double>(program.arena_floats) / static_cast<double>(program.arena_lower_bound_floats));
  fmt::print("packed weights: {} bytes{}\n", with_commas(program.payload_floats * 4),
             options.precision == Precision::kInt8 ? " (int8 weights, float where layers stay float)" : "");
  print_memory_map(program);
  if (options.precision == Precision::kInt8) print_int8_scales(graph, load_weights(parsed, network), options);
  return 0;
}

}  // namespace rnc::cli
