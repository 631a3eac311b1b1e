// resnetc compile: the spec and its weights to a standalone CMake project of shape-fixed C++.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "codegen/compile.hpp"
#include "codegen/project_writer.hpp"
#include "dsl/diagnostics.hpp"
#include "dsl/identifier.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

const std::vector<OptionSpec> kOptions =
    with_options({kWeightsOption,
                  kRandomWeightsOption,
                  {"--output-dir", "-o", "DIR", "directory to write (replaced atomically)"},
                  {"--force", "", "", "replace DIR even if it holds files resnetc did not write (DIR/build is kept)"},
                  {"--name", "", "NAME", "model name: C++ namespace and file names (default: the spec's name)"},
                  kInputShapeOption,
                  kMaxMemoryOption,
                  kTargetOption,
                  {"--embed-weights", "", "", "link the weights blob into the executable"},
                  {"--exact", "", "", "direct convolution only (no Winograd): error ~1e-6 instead of ~1e-5"},
                  {"--dump-passes", "", "", "print the graph after every pass to stderr"},
                  kHelpOption},
                 kPrecisionOptions);

}  // namespace

int compile_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(parsed,
                          "Usage: resnetc compile SPEC (--weights FILE | --random-weights SEED) -o DIR "
                          "[--name NAME] [--input-shape N,C,H,W] [--precision int8 --calibration FILE]\n\nWrites DIR "
                          "as a CMake project: "
                          "cmake -S DIR -B DIR/build && cmake --build DIR/build gives DIR/build/NAME.\n"
                          "A recompile replaces DIR but keeps DIR/build; it refuses a DIR holding files that "
                          "resnetc did not write (it lists its own in DIR/.resnetc-files) unless given --force.",
                          kOptions))
    return 0;
  if (!parsed.has("--output-dir")) throw UsageError("'compile' needs -o DIR");
  const std::string dir = *parsed.get("--output-dir");
  if (dir.empty()) throw UsageError("option '--output-dir' needs a directory name, got ''");
  Network network = load_network(parsed, "compile");
  Graph& graph = network.graph;
  if (auto name = parsed.get("--name")) {
    if (!is_identifier(*name))
      throw UsageError(fmt::format("option '--name' expects an identifier ({}), got '{}'", kIdentifierPattern, *name));
    graph.name = *name;
  }
  const WeightMap weights = load_weights(parsed, network);
  CompileOptions options;
  options.embed_weights = parsed.has("--embed-weights");
  options.exact = parsed.has("--exact");
  options.max_memory_bytes = max_memory(parsed);
  read_precision_options(parsed, graph, options);
  if (parsed.has("--dump-passes"))
    options.dump = [](const std::string& pass, const std::string& graph) {
      fmt::print(stderr, "=== after {}\n{}", pass, graph);
    };
  const CompiledProject project = compile_project(graph, weights, options);
  write_project(project, dir, {.force = parsed.has("--force")});
  fmt::print("wrote {}: {} files, {}.weights ({} bytes), arena {} bytes, target {}{}\n", dir, project.files.size() + 1,
             graph.name, project.blob.size(), project.program.arena_floats * 4, project.target.describe(),
             options.precision == Precision::kInt8
                 ? fmt::format(", int8 ({} calibration images, {})", options.int8.calibration.size(),
                               name(options.int8.method))
                 : "");
  return 0;
}

}  // namespace rnc::cli
