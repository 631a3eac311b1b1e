// Reads a network spec into a checked Graph. Every problem in the file is reported at once, each
// with its location: line:column for malformed JSON, a JSON pointer for everything else. A spec
// is JSON or, for a path ending in .rn, the text syntax (dsl/spec_rn.hpp), which reports
// line:column throughout.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "dsl/diagnostics.hpp"
#include "dsl/graph.hpp"

namespace rnc {

struct SpecOptions {
  // Replaces the spec's input shape (resnetc --input-shape); every shape is re-checked.
  std::optional<Shape> input_shape;
};

// Throws CompileError listing every diagnostic. `file` is used in messages only.
Graph parse_spec_json(std::string_view text, const std::string& file, const SpecOptions& options = {});
// The checked graph of a parsed JSON document; every problem goes to `diags` at its JSON pointer.
// The .rn reader builds the document and maps the pointers back to line:column.
Graph read_spec_document(const nlohmann::json& doc, const SpecOptions& options, Diagnostics& diags);
// Reads the file: the text syntax for a path ending in .rn, JSON otherwise.
Graph read_spec(const std::string& path, const SpecOptions& options = {});
// True for a path ending in ".rn".
bool is_rn_path(std::string_view path);
// The spec file's bytes, or CompileError naming the path.
std::string read_text_file(const std::string& path);

}  // namespace rnc
