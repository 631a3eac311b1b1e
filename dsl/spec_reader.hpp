// Reads a network spec into a checked Graph. Every problem in the file is reported at once, each
// with its location as the file's syntax gives it: in JSON a JSON pointer (line:column for
// malformed JSON); in the text syntax of a path ending in .rn (dsl/spec_rn.hpp) a line:column
// with the line quoted. Both syntaxes are read into a SpecValue (dsl/spec_value.hpp) that one
// reader checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "dsl/diagnostics.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/spec_value.hpp"
#include "dsl/weights.hpp"

namespace rnc {

struct SpecOptions {
  // Replaces the spec's input shape (resnetc --input-shape); every shape is re-checked.
  std::optional<Shape> input_shape;
};

// Throws CompileError listing every diagnostic. `file` is used in messages only.
Graph parse_spec_json(std::string_view text, const std::string& file, const SpecOptions& options = {});
// The document of a JSON text, keys in the order written (resnetc fmt), without checking its
// meaning; CompileError at the line:column of malformed JSON.
nlohmann::ordered_json parse_json_document(std::string_view text, const std::string& file);
// The checked graph of a spec document; every problem goes to `diags` at its location.
Graph read_spec_document(const SpecValue& doc, const SpecOptions& options, Diagnostics& diags);
// Reads the file: the text syntax for a path ending in .rn, an ONNX model for .onnx
// (dsl/onnx/onnx_import.hpp), JSON otherwise.
Graph read_spec(const std::string& path, const SpecOptions& options = {});

// A network and, when its file carries them (an ONNX model's initializers), its weights.
struct Network {
  Graph graph;
  std::optional<WeightMap> weights;
};
// read_spec, keeping the weights an ONNX model carries (checked against the graph).
Network read_network(const std::string& path, const SpecOptions& options = {});
// True for a path ending in ".rn".
bool is_rn_path(std::string_view path);
// The spec file's bytes, or CompileError naming the path.
std::string read_text_file(const std::string& path);

}  // namespace rnc
