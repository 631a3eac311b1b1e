// Reads a network spec into a checked Graph. Every problem in the file is reported at once, each
// with its location: line:column for malformed JSON, a JSON pointer for everything else.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dsl/graph.hpp"

namespace rnc {

struct SpecOptions {
  // Replaces the spec's input shape (resnetc --input-shape); every shape is re-checked.
  std::optional<Shape> input_shape;
};

// Throws CompileError listing every diagnostic. `file` is used in messages only.
Graph parse_spec_json(std::string_view text, const std::string& file, const SpecOptions& options = {});
// Reads the file and parses it as JSON.
Graph read_spec(const std::string& path, const SpecOptions& options = {});
// The spec file's bytes, or CompileError naming the path.
std::string read_text_file(const std::string& path);

}  // namespace rnc
