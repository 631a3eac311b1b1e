// Writing a spec document as JSON or as .rn text (resnetc fmt). Both writers are canonical: the
// same document gives the same text, and reading the text back gives the same document.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rnc {

// The spec file's document, JSON or .rn by extension, without checking its meaning (a spec with
// wrong shapes still converts). Throws CompileError for a file that does not parse.
nlohmann::ordered_json read_spec_document_file(const std::string& path);

// The layout of examples/resnet18.json: top-level keys, stages and layers one per line.
std::string write_spec_json(const nlohmann::ordered_json& doc);

// Canonical .rn text, with the short names of dsl/spec_rn_syntax.hpp. Throws CompileError naming
// the JSON pointer of anything the text syntax cannot hold (a top-level or stage key the spec
// does not have, an object where a value is expected); the spec reader rejects all of them too.
std::string write_spec_rn(const nlohmann::ordered_json& doc, const std::string& file);

}  // namespace rnc
