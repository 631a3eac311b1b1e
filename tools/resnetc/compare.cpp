// resnetc compare: two layer-by-layer dumps (or two .npy files) tensor by tensor, in the expected
// dump's order, naming the first tensor whose error exceeds the tolerance. That tensor's layer is
// where a generated program starts to differ from the reference.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "error.hpp"
#include "npy.hpp"
#include "tensor_dump.hpp"
#include "tools/resnetc/commands.hpp"

namespace rnc::cli {
namespace {

constexpr double kDefaultTolerance = 1e-4;

const std::vector<OptionSpec> kOptions = {
    {"--tolerance", "", "T", "largest allowed max|actual - expected| / max|expected| (default 1e-4)"}, kHelpOption};

struct DumpFile {
  std::string name;
  std::string path;
};

// A dump directory's tensors in order, or a single .npy file as a one-tensor dump named `name`.
std::vector<DumpFile> read_dump(const std::string& path, const std::string& name) {
  if (!std::filesystem::is_directory(path)) return {{name, path}};
  std::vector<DumpFile> files;
  for (const rt::DumpEntry& e : rt::read_dump_manifest(path))
    files.push_back({e.name, (std::filesystem::path(path) / e.file).string()});
  return files;
}

double parse_tolerance(const std::string& text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    throw UsageError(fmt::format("option '--tolerance' expects a non-negative number such as 1e-4, got '{}'", text));
  return value;
}

struct Row {
  std::size_t position = 0;
  std::string name;
  std::string shape;
  double max_expected = 0, max_error = 0, relative = 0;
  std::string problem;  // set when the tensors cannot be compared
  bool fails = false;
};

// max|actual - expected| and max|expected|; a NaN or infinity on one side only is an infinite error.
Row compare_tensors(std::size_t position, const std::string& name, const rt::Tensor& expected, const rt::Tensor& actual,
                    double tolerance) {
  Row row;
  row.position = position;
  row.name = name;
  row.shape = rt::shape_string(expected.shape);
  if (expected.shape != actual.shape) {
    row.problem = fmt::format("shape {} vs {}", rt::shape_string(expected.shape), rt::shape_string(actual.shape));
    row.fails = true;
    return row;
  }
  for (std::size_t i = 0; i < expected.data.size(); ++i) {
    const double e = expected.data[i], a = actual.data[i];
    const bool same_special = (std::isnan(e) && std::isnan(a)) || (std::isinf(e) && e == a);
    const double error = same_special ? 0 : std::isfinite(a - e) ? std::fabs(a - e) : INFINITY;
    row.max_error = std::max(row.max_error, error);
    if (std::isfinite(e)) row.max_expected = std::max(row.max_expected, std::fabs(e));
  }
  row.relative = row.max_error == 0 ? 0 : row.max_expected > 0 ? row.max_error / row.max_expected : INFINITY;
  row.fails = row.relative > tolerance;
  return row;
}

void print_table(const std::vector<Row>& rows) {
  std::size_t name_width = 6, shape_width = 5;  // "tensor", "shape"
  for (const Row& r : rows) {
    name_width = std::max(name_width, r.name.size());
    shape_width = std::max(shape_width, r.shape.size());
  }
  fmt::print("{:>3}  {:<{}}  {:<{}}  {:>13}  {:>13}  {:>10}\n", "#", "tensor", name_width, "shape", shape_width,
             "max|expected|", "max abs error", "rel error");
  for (const Row& r : rows) {
    const std::string numbers =
        r.problem.empty() ? fmt::format("{:>13.3e}  {:>13.3e}  {:>10.3e}", r.max_expected, r.max_error, r.relative)
                          : r.problem;
    fmt::print("{:>3}  {:<{}}  {:<{}}  {}{}\n", r.position, r.name, name_width, r.shape, shape_width, numbers,
               r.fails ? "  FAIL" : "");
  }
}

}  // namespace

int compare_command(const std::vector<std::string>& args) {
  const Parsed parsed = parse(args, kOptions);
  if (print_help_if_asked(
          parsed,
          "Usage: resnetc compare EXPECTED ACTUAL [--tolerance T]\n\nCompares two layer-by-layer dumps "
          "(directories written with --dump-dir by resnetc run and\nby a generated program) tensor by "
          "tensor, in EXPECTED's order, or two .npy files. Prints the\nerror of every tensor relative "
          "to max|expected| and names the first one over the tolerance.\nExit status: 0 if every tensor "
          "is within it, 1 otherwise.",
          kOptions))
    return 0;
  if (parsed.positional.size() != 2)
    throw UsageError(fmt::format("'compare' needs two dumps (directories or .npy files), got {} arguments",
                                 parsed.positional.size()));
  const std::string& expected_path = parsed.positional[0];
  const std::string& actual_path = parsed.positional[1];
  if (std::filesystem::is_directory(expected_path) != std::filesystem::is_directory(actual_path))
    throw UsageError(fmt::format("'compare' needs two dump directories or two .npy files; {} and {} are one of each",
                                 expected_path, actual_path));
  const double tolerance = parsed.has("--tolerance") ? parse_tolerance(*parsed.get("--tolerance")) : kDefaultTolerance;

  // Two single files pair up under the expected file's name.
  const std::string file_name = std::filesystem::path(expected_path).filename().string();
  const std::vector<DumpFile> expected = read_dump(expected_path, file_name),
                              actual = read_dump(actual_path, file_name);
  std::map<std::string, const DumpFile*> actual_by_name;
  for (const DumpFile& f : actual) actual_by_name[f.name] = &f;

  std::vector<Row> rows;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto match = actual_by_name.find(expected[i].name);
    if (match == actual_by_name.end()) {
      Row missing;
      missing.position = i;
      missing.name = expected[i].name;
      missing.problem = fmt::format("missing from {}", actual_path);
      missing.fails = true;
      rows.push_back(std::move(missing));
      continue;
    }
    rows.push_back(compare_tensors(i, expected[i].name, rt::read_npy(expected[i].path),
                                   rt::read_npy(match->second->path), tolerance));
    actual_by_name.erase(match);
  }
  print_table(rows);

  int status = 0;
  if (!actual_by_name.empty()) {
    std::vector<std::string> extra;
    for (const auto& [name, file] : actual_by_name) extra.push_back(name);
    fmt::print("{} has {} tensor(s) that {} lacks: {}\n", actual_path, extra.size(), expected_path,
               fmt::join(extra, ", "));
    status = 1;
  }
  const auto first_failure = std::find_if(rows.begin(), rows.end(), [](const Row& r) { return r.fails; });
  if (first_failure != rows.end()) {
    const auto failures = std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.fails; });
    const std::string why = first_failure->problem.empty() ? fmt::format("relative error {:.3e} > tolerance {:.1e}",
                                                                         first_failure->relative, tolerance)
                                                           : first_failure->problem;
    fmt::print("first tensor over tolerance: #{} {} ({}); {} of {} tensors fail\n", first_failure->position,
               first_failure->name, why, failures, rows.size());
    return 1;
  }
  if (status == 0) {
    const auto worst =
        std::max_element(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.relative < b.relative; });
    if (worst == rows.end()) throw rt::Error(expected_path + ": the dump holds no tensors");
    fmt::print("all {} tensors within tolerance {:.1e} of max|expected| (largest relative error {:.3e}, at {})\n",
               rows.size(), tolerance, worst->relative, worst->name);
  }
  return status;
}

}  // namespace rnc::cli
