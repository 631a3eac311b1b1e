// resnetc fmt: a spec converted between JSON and the .rn text syntax, both ways without loss.
#include <fmt/format.h>

#include "dsl/spec_format.hpp"
#include "dsl/spec_reader.hpp"
#include "file_io.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

const std::vector<OptionSpec> kOptions = {{"--to", "", "json|rn", "the syntax to write (default: the other one)"},
                                          {"--output", "-o", "FILE", "write to FILE (atomically) instead of stdout"},
                                          kHelpOption};

constexpr const char* kUsage =
    "Usage: resnetc fmt SPEC [--to json|rn] [-o FILE]\n\n"
    "Writes SPEC (.json, or .rn: the text syntax of docs/spec.md) in the other syntax, or\n"
    "canonically formatted in its own. Only the syntax is read: a spec with wrong shapes still\n"
    "converts (resnetc check finds those). json -> rn -> json gives the same document.";

}  // namespace

int fmt_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(parsed, kUsage, kOptions)) return 0;
  if (parsed.positional.size() != 1)
    throw UsageError(parsed.positional.empty()
                         ? "'fmt' needs a SPEC file"
                         : fmt::format("'fmt' takes one SPEC file, got {} arguments", parsed.positional.size()));
  const std::string& path = parsed.positional.front();
  const std::string to = parsed.get("--to").value_or(is_rn_path(path) ? "json" : "rn");
  if (to != "json" && to != "rn") throw UsageError(fmt::format("option '--to' expects json or rn, got '{}'", to));
  const nlohmann::ordered_json doc = read_spec_document_file(path);
  const std::string text = to == "json" ? write_spec_json(doc) : write_spec_rn(doc, path);
  if (auto out = parsed.get("--output")) rt::write_file_atomic(*out, {{text.data(), text.size()}});
  else fmt::print("{}", text);
  return 0;
}

}  // namespace rnc::cli
