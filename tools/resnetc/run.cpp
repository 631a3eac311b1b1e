// resnetc run: the reference interpreter on an .npy input, the oracle for generated code.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "codegen/compile.hpp"
#include "codegen/dump_plan.hpp"
#include "dsl/diagnostics.hpp"
#include "dsl/invariant.hpp"
#include "dsl/reference.hpp"
#include "npy.hpp"
#include "tensor_dump.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

const std::vector<OptionSpec> kOptions =
    with_options({kWeightsOption,
                  kRandomWeightsOption,
                  {"--input", "", "FILE.npy", "float32 NCHW input"},
                  {"--output", "", "FILE.npy", "where to write the output"},
                  {"--dump-dir", "", "DIR", "write every value the generated code also computes, as NCHW .npy"},
                  kInputShapeOption,
                  kMaxMemoryOption,
                  kTargetOption,
                  kHelpOption},
                 kPrecisionOptions);

// The reference's values under the names and positions of the generated program's dump (the
// values that survive fusion), so that `resnetc compare` can pair the two dumps.
class ReferenceDump {
 public:
  ReferenceDump(const std::string& dir, const Graph& graph, const CompileOptions& options) : writer_(dir) {
    const std::vector<DumpedValue> plan = dump_plan(plan_program(graph, options));
    for (std::size_t i = 0; i < plan.size(); ++i) position_[plan[i].name] = i;
  }

  void write(const std::string& value, const Tensor& tensor) {
    const auto it = position_.find(value);
    if (it != position_.end()) writer_.write(it->second, value, tensor);
  }

  // Every planned value must have been seen; anything else is a bug in the plan, not the input.
  void check_complete() const {
    check_invariant(
        writer_.size() == position_.size(),
        fmt::format("the reference run produced {} of the {} dumped values", writer_.size(), position_.size()));
  }
  std::size_t size() const { return writer_.size(); }

 private:
  rt::DumpWriter writer_;
  std::map<std::string, std::size_t> position_;
};

}  // namespace

int run_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(parsed,
                          "Usage: resnetc run SPEC (--weights FILE | --random-weights SEED) --input X.npy "
                          "(--output Y.npy | --dump-dir DIR)\n\nRuns the reference interpreter (naive loops, double "
                          "accumulation);\nwith --precision int8, the int8 network in exact integer arithmetic "
                          "(docs/quantization.md).\n"
                          "With --dump-dir, also writes the input and every layer's output that the "
                          "generated code computes\n(NNN_NAME.npy + manifest.txt), to compare with NAME --dump-dir "
                          "using resnetc compare.",
                          kOptions))
    return 0;
  if (!parsed.has("--input") || !(parsed.has("--output") || parsed.has("--dump-dir")))
    throw UsageError("'run' needs --input FILE.npy and --output FILE.npy or --dump-dir DIR");
  Network network = load_network(parsed, "run");
  const Graph& graph = network.graph;
  const WeightMap weights = load_weights(parsed, network);
  CompileOptions options;
  read_precision_options(parsed, graph, options);
  const std::string input_path = *parsed.get("--input");
  // A device or pipe (/dev/zero) would be read without end: only regular files are inputs.
  std::error_code ec;
  if (std::filesystem::exists(input_path, ec) && !std::filesystem::is_regular_file(input_path, ec))
    throw CompileError(fmt::format("{}: not a regular file; expected a float32 .npy", input_path));
  const Tensor input = rt::read_npy(input_path);
  if (input.shape != graph.shape(graph.input))
    throw CompileError(fmt::format("{}: shape is {}, the network expects {}", input_path, to_string(input.shape),
                                   to_string(graph.shape(graph.input))));

  std::optional<ReferenceDump> dump;
  if (const auto dir = parsed.get("--dump-dir")) {
    dump.emplace(*dir, graph, options);
    dump->write(graph.values[static_cast<std::size_t>(graph.input)].name, input);
  }
  const Tensor out = run_interpreter(graph, weights, options, input, [&](const Node& node, const Tensor& value) {
    if (dump) dump->write(graph.values[static_cast<std::size_t>(node.output)].name, value);
  });
  if (dump) {
    dump->check_complete();
    fmt::print("wrote {} tensors to {}\n", dump->size(), *parsed.get("--dump-dir"));
  }
  if (const auto output = parsed.get("--output")) rt::write_npy(*output, out.data.data(), out.shape);
  return 0;
}

}  // namespace rnc::cli
