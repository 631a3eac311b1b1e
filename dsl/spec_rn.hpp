// The text syntax of a spec (.rn): a second way to write the same JSON document, reading like the
// d2l notebook. docs/spec.md ("Text syntax (.rn)") has the grammar.
//
//   network resnet18
//   input [1, 1, 224, 224]
//   b1 = conv(64, k=7, s=2, p=3)@0.0 bn@0.1 relu maxpool(3, s=2, p=1)
//   b2 = resnet_block(64, 2, first)@1
//
// A .rn file is parsed into the JSON document it stands for, with the source position of every
// JSON pointer; the JSON reader then checks that document, and its diagnostics are mapped back
// to line:column. Every message quotes the source line with a caret under the column.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsl/diagnostics.hpp"
#include "dsl/graph.hpp"
#include "dsl/spec_reader.hpp"

namespace rnc {

struct SourcePos {
  int line = 1;
  int column = 1;
};

// What a .rn text stands for, and where each part of it came from.
struct RnDocument {
  nlohmann::ordered_json doc;                    // the spec as JSON, keys in the order written
  std::map<std::string, SourcePos> positions;    // JSON pointer -> where it was written
  std::vector<std::string> broken;               // pointers of items dropped for a syntax error
  std::vector<std::pair<SourcePos, std::string>> errors;  // lexical and syntax errors
};

// Lexes and parses; never throws (the errors are in the result). Bad items are replaced by
// placeholders the JSON reader rejects quietly, so their dependents report nothing more.
RnDocument parse_rn(std::string_view text);

// The JSON document of a .rn text. Throws CompileError listing every lexical and syntax error.
nlohmann::ordered_json parse_rn_document(std::string_view text, const std::string& file);

// The checked graph of a .rn text: lexical, syntax and semantic errors (shapes, attributes, names),
// all reported at once as FILE:LINE:COLUMN with the quoted line. Throws only CompileError, on any
// input (the entry point for a fuzz harness). `file` is used in messages only.
Graph parse_spec_rn(std::string_view text, const std::string& file, const SpecOptions& options = {});

// "MESSAGE\n   12 | source line\n      |     ^": the message with its line quoted, for a diagnostic
// whose where is "LINE:COLUMN".
std::string with_source_line(std::string_view text, SourcePos pos, const std::string& message);

}  // namespace rnc
