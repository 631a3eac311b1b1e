
#include <fmt/format.h>

#include "codegen/compile.hpp"
#include "dsl/spec_reader.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {

Graph load_graph(const Parsed& parsed, const std::string& command) {
  if (parsed.positional.size() != 1)
    throw UsageError(parsed.positional.empty() ? fmt::format("'{}' needs a SPEC file", command)
                                               : fmt::format("'{}' takes one SPEC file, got {} arguments", command,
                                                             parsed.positional.size()));
  SpecOptions options;
  if (auto shape = parsed.get("--input-shape")) {
    const auto dims = parse_integer_list("--input-shape", *shape, 4, 1, kMaxDim);
    options.input_shape = Shape(dims.begin(), dims.end());
  }
  const std::string& path = parsed.positional.front();
  Graph graph = read_spec(path, options);
  check_memory_limit(graph, max_memory(parsed), path);
  return graph;
}

std::uint64_t max_memory(const Parsed& parsed) {
  const auto text = parsed.get("--max-memory");
  return text ? parse_size("--max-memory", *text) : kDefaultMaxMemoryBytes;
}

WeightMap load_weights(const Parsed& parsed, const Graph& graph) {
  const bool file = parsed.has("--weights"), random = parsed.has("--random-weights");
  if (file == random) throw UsageError("give exactly one of --weights FILE and --random-weights SEED");
  if (random) {
    const auto seed = parse_integer("--random-weights", *parsed.get("--random-weights"), 0, (1ll << 62));
    return random_weights(graph, static_cast<std::uint64_t>(seed));
  }
  const std::string path = *parsed.get("--weights");
  WeightMap weights = read_safetensors(path);
  check_weights(graph, weights, path);
  return weights;
}

bool print_help_if_asked(const Parsed& parsed, const std::string& usage, const std::vector<OptionSpec>& specs) {
  if (!parsed.has("--help")) return false;
  fmt::print("{}\nOptions:\n{}", usage, format_options(specs));
  return true;
}

}  // namespace rnc::cli
