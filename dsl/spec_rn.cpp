#include "dsl/spec_rn.hpp"

#include "dsl/rn_diagnostics.hpp"
#include "dsl/rn_parser.hpp"

namespace rnc {
namespace {

void throw_if_errors(const Diagnostics& diags, std::string_view text, const std::string& file) {
  if (!diags.ok()) throw CompileError(rn::format_with_source(diags, text, file));
}

}  // namespace

nlohmann::ordered_json parse_rn_document(std::string_view text, const std::string& file) {
  Diagnostics diags;
  const SpecValue doc = rn::parse_text(text, diags);
  throw_if_errors(diags, text, file);
  return to_json(doc);
}

Graph parse_spec_rn(std::string_view text, const std::string& file, const SpecOptions& options) {
  Diagnostics diags;
  const SpecValue doc = rn::parse_text(text, diags);
  Graph graph = read_spec_document(doc, options, diags);
  throw_if_errors(diags, text, file);
  return graph;
}

}  // namespace rnc
