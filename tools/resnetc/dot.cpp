// resnetc dot: the graph as Graphviz, stages as clusters and tensor shapes on the edges.
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

const std::vector<OptionSpec> kOptions = {
    kInputShapeOption, {"--output", "-o", "FILE", "write to FILE instead of stdout"}, kHelpOption};

std::string dot_id(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\\\"") : std::string(1, c);
  return out + "\"";
}

std::string to_dot(const Graph& g) {
  std::string out = fmt::format(
      "digraph {} {{\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=Helvetica];\n", dot_id(g.name));
  out += fmt::format("  {} [label={}, shape=oval];\n", dot_id("input"), dot_id("input " + to_string(g.shape(g.input))));
  for (const std::string& stage : g.stages) {
    out +=
        fmt::format("  subgraph {} {{\n    label={};\n    style=dashed;\n", dot_id("cluster_" + stage), dot_id(stage));
    for (const Node& n : g.nodes)
      if (n.stage == stage) {
        const std::string summary = std::visit([](const auto& op) { return op.summary(); }, n.op);
        out += fmt::format("    {} [label={}];\n", dot_id(n.name), dot_id(n.name + "\\n" + summary));
      }
    out += "  }\n";
  }
  // Each value's producer, to draw edges from it ("input" for the model input).
  std::vector<std::string> producer(g.values.size(), "input");
  for (const Node& n : g.nodes) producer[static_cast<std::size_t>(n.output)] = n.name;
  for (const Node& n : g.nodes)
    for (ValueId v : n.inputs)
      out += fmt::format("  {} -> {} [label={}];\n", dot_id(producer[static_cast<std::size_t>(v)]), dot_id(n.name),
                         dot_id(to_string(g.shape(v))));
  out +=
      fmt::format("  {} [label={}, shape=oval];\n", dot_id("output"), dot_id("output " + to_string(g.shape(g.output))));
  out += fmt::format("  {} -> {};\n}}\n", dot_id(producer[static_cast<std::size_t>(g.output)]), dot_id("output"));
  return out;
}

}  // namespace

int dot_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(parsed,
                          "Usage: resnetc dot SPEC [-o FILE]\n\nWrites the network as Graphviz (render with "
                          "`dot -Tsvg`): stages as clusters, shapes on the edges.",
                          kOptions))
    return 0;
  const std::string text = to_dot(load_network(parsed, "dot").graph);
  if (auto path = parsed.get("--output")) {
    std::ofstream out(*path, std::ios::binary);
    out << text;
    if (!out.flush()) throw CompileError(fmt::format("{}: cannot write file", *path));
  } else {
    fmt::print("{}", text);
  }
  return 0;
}

}  // namespace rnc::cli
