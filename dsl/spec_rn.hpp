// The text syntax of a spec (.rn): a second way to write the same document, reading like the d2l
// notebook. docs/spec.md ("Text syntax (.rn)") has the grammar.
//
//   network resnet18
//   input [1, 1, 224, 224]
//   b1 = conv(64, k=7, s=2, p=3)@0.0 bn@0.1 relu maxpool(3, s=2, p=1)
//   b2 = resnet_block(64, 2, first)@1
//
// The lexer (dsl/rn_lexer.hpp) and parser (dsl/rn_parser.hpp) turn the text into the spec
// document, every value located by its line:column; the spec reader checks it as it checks a
// JSON spec, and every message quotes the source line with a caret under the column
// (dsl/rn_diagnostics.hpp).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dsl/ir/graph.hpp"
#include "dsl/spec_reader.hpp"

namespace rnc {

// The JSON document of a .rn text, keys in the order written (resnetc fmt). Throws CompileError
// listing every lexical and syntax error.
nlohmann::ordered_json parse_rn_document(std::string_view text, const std::string& file);

// The checked graph of a .rn text: lexical, syntax and semantic errors (shapes, attributes, names),
// all reported at once as FILE:LINE:COLUMN with the quoted line. Throws only CompileError, on any
// input (the entry point for a fuzz harness). `file` is used in messages only.
Graph parse_spec_rn(std::string_view text, const std::string& file, const SpecOptions& options = {});

}  // namespace rnc
