// resnetc run: the reference interpreter on an .npy input, the oracle for generated code.
#include <filesystem>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"
#include "dsl/reference.hpp"
#include "npy.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

const std::vector<OptionSpec> kOptions = {
    kWeightsOption, kRandomWeightsOption, {"--input", "", "FILE.npy", "float32 NCHW input"},
    {"--output", "", "FILE.npy", "where to write the output"}, kInputShapeOption, kMaxMemoryOption, kHelpOption};

}  // namespace

int run_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(parsed, "Usage: resnetc run SPEC (--weights FILE | --random-weights SEED) --input X.npy "
                                  "--output Y.npy\n\nRuns the reference interpreter (naive loops, double accumulation).",
                          kOptions))
    return 0;
  if (!parsed.has("--input") || !parsed.has("--output")) throw UsageError("'run' needs --input FILE.npy and --output FILE.npy");
  const Graph graph = load_graph(parsed, "run");
  const WeightMap weights = load_weights(parsed, graph);
  const std::string input_path = *parsed.get("--input");
  // A device or pipe (/dev/zero) would be read without end: only regular files are inputs.
  std::error_code ec;
  if (std::filesystem::exists(input_path, ec) && !std::filesystem::is_regular_file(input_path, ec))
    throw CompileError(fmt::format("{}: not a regular file; expected a float32 .npy", input_path));
  rt::Tensor in = rt::read_npy(input_path);
  if (Shape(in.shape.begin(), in.shape.end()) != graph.shape(graph.input))
    throw CompileError(fmt::format("{}: shape is {}, the network expects {}", input_path, to_string(Shape(in.shape.begin(), in.shape.end())),
                                   to_string(graph.shape(graph.input))));
  Tensor input(graph.shape(graph.input));
  input.data = std::move(in.data);
  const Tensor out = run_reference(graph, weights, input);
  rt::write_npy(*parsed.get("--output"), out.data.data(), std::vector<std::int64_t>(out.shape.begin(), out.shape.end()));
  return 0;
}

}  // namespace rnc::cli
