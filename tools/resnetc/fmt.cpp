// resnetc fmt: a spec converted between JSON and the .rn text syntax, both ways without loss, or
// an ONNX model written as the equivalent spec plus a safetensors file of its weights.
#include <filesystem>

#include <fmt/format.h>

#include "dsl/onnx/onnx_import.hpp"
#include "dsl/spec_format.hpp"
#include "dsl/spec_reader.hpp"
#include "file_io.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

const std::vector<OptionSpec> kOptions = {
    {"--to", "", "json|rn", "the syntax to write (default: the other one; json for .onnx)"},
    {"--output", "-o", "FILE", "write to FILE (atomically) instead of stdout"},
    {"--weights-output", "", "FILE", "ONNX: where the weights go (default: FILE of -o as .safetensors)"},
    kInputShapeOption,
    kHelpOption};

constexpr const char* kUsage =
    "Usage: resnetc fmt SPEC [--to json|rn] [-o FILE]\n"
    "       resnetc fmt MODEL.onnx [--to json|rn] -o FILE [--weights-output FILE] [--input-shape N,C,H,W]\n\n"
    "Writes SPEC (.json, or .rn: the text syntax of docs/spec.md) in the other syntax, or\n"
    "canonically formatted in its own. Only the syntax is read: a spec with wrong shapes still\n"
    "converts (resnetc check finds those). json -> rn -> json gives the same document.\n"
    "An ONNX model is written as the spec resnetc reads it as, plus its weights as safetensors\n"
    "(docs/onnx.md): `resnetc check FILE --weights WEIGHTS` then gives the same network.";

void write_text(const Parsed& parsed, const std::string& text) {
  if (auto out = parsed.get("--output")) rt::write_file_atomic(*out, {{text.data(), text.size()}});
  else fmt::print("{}", text);
}

// The spec of an ONNX model, with its weights written next to it.
std::string onnx_as_spec(const Parsed& parsed, const std::string& path, const std::string& to) {
  std::string weights_path;
  if (auto given = parsed.get("--weights-output")) weights_path = *given;
  else if (auto out = parsed.get("--output"))
    weights_path = std::filesystem::path(*out).replace_extension(".safetensors");
  else throw UsageError("'fmt' of an ONNX model writes its weights too: give -o FILE or --weights-output FILE");
  onnx_import::ImportedModel model = onnx_import::import_onnx(path, {input_shape_option(parsed), {}});
  const Graph graph = onnx_import::imported_graph(model, path);  // what compile would refuse, fmt refuses too
  check_weights(graph, model.weights, path);
  const std::string text = to == "json" ? write_spec_json(model.spec) : write_spec_rn(model.spec, path);
  write_safetensors(weights_path, model.weights);
  return text;
}

}  // namespace

int fmt_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(parsed, kUsage, kOptions)) return 0;
  if (parsed.positional.size() != 1)
    throw UsageError(parsed.positional.empty()
                         ? "'fmt' needs a SPEC file"
                         : fmt::format("'fmt' takes one SPEC file, got {} arguments", parsed.positional.size()));
  const std::string& path = parsed.positional.front();
  const bool onnx = onnx_import::is_onnx_path(path);
  const std::string to = parsed.get("--to").value_or(is_rn_path(path) || onnx ? "json" : "rn");
  if (to != "json" && to != "rn") throw UsageError(fmt::format("option '--to' expects json or rn, got '{}'", to));
  if (!onnx)
    for (const char* onnx_only : {"--weights-output", "--input-shape"})
      if (parsed.has(onnx_only)) throw UsageError(fmt::format("option '{}' is for ONNX models", onnx_only));
  if (onnx) {
    write_text(parsed, onnx_as_spec(parsed, path, to));
    return 0;
  }
  const nlohmann::ordered_json doc = read_spec_document_file(path);
  write_text(parsed, to == "json" ? write_spec_json(doc) : write_spec_rn(doc, path));
  return 0;
}

}  // namespace rnc::cli
