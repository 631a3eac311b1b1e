// read_spec: a spec file by its extension, JSON or the .rn text syntax.
#include "dsl/spec_reader.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "dsl/spec_rn.hpp"

namespace rnc {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CompileError(fmt::format("{}: cannot open file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_rn_path(std::string_view path) { return path.ends_with(".rn"); }

Graph read_spec(const std::string& path, const SpecOptions& options) {
  const std::string text = read_text_file(path);
  return is_rn_path(path) ? parse_spec_rn(text, path, options) : parse_spec_json(text, path, options);
}

}  // namespace rnc
