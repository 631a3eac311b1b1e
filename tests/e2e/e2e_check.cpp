// End-to-end check of one generated binary: runs it on an input and compares its output with the
// reference interpreter (or with an expected .npy, e.g. made by PyTorch).
//
//   e2e_check --binary B --spec S (--weights W | --random-weights SEED) [--input-shape N,C,H,W]
//             [--input X.npy] [--expect Y.npy] [--threads N] [--tolerance T]
//
// Passes when max|out - expected| <= T * max|expected|; prints both numbers and where the worst
// element is, so a failure says which output and by how much.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <unistd.h>

#include "dsl/diagnostics.hpp"
#include "dsl/reference.hpp"
#include "error.hpp"
#include "npy.hpp"
#include "tools/resnetc/commands.hpp"

namespace fs = std::filesystem;
using namespace rnc;

namespace {

const std::vector<cli::OptionSpec> kOptions = {
    {"--binary", "", "FILE", "generated program"},
    {"--spec", "", "FILE", "spec it was compiled from"},
    cli::kWeightsOption,
    cli::kRandomWeightsOption,
    cli::kInputShapeOption,
    {"--input", "", "FILE", "input .npy (default: deterministic uniform [0,1) values)"},
    {"--expect", "", "FILE", "expected output .npy (default: the reference interpreter)"},
    {"--threads", "", "N", "threads for the generated program"},
    {"--tolerance", "", "T", "relative tolerance to max|expected| (default 1e-5)"}};

Tensor uniform_input(const Shape& shape) {
  Tensor t(shape);
  std::mt19937 gen(1234);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  for (float& v : t.data) v = dist(gen);
  return t;
}

Tensor load(const std::string& path) {
  rt::Tensor raw = rt::read_npy(path);
  Tensor t;
  t.shape.assign(raw.shape.begin(), raw.shape.end());
  t.data = std::move(raw.data);
  return t;
}

int run(const cli::Parsed& args) {
  cli::Parsed spec_args{{}, {*args.get("--spec")}};
  if (auto shape = args.get("--input-shape")) spec_args.values["--input-shape"] = *shape;
  const Graph graph = cli::load_graph(spec_args, "e2e_check");
  const WeightMap weights = cli::load_weights(args, graph);
  const fs::path dir = fs::temp_directory_path() / fmt::format("e2e_check_{}", ::getpid());
  fs::create_directories(dir);
  const std::string in_path = args.get("--input").value_or((dir / "input.npy").string());
  Tensor input = args.has("--input") ? load(in_path) : uniform_input(graph.shape(graph.input));
  if (!args.has("--input")) rt::write_npy(in_path, input.data.data(), {input.shape.begin(), input.shape.end()});

  const std::string out_path = (dir / "output.npy").string();
  const std::string command = fmt::format("'{}' --input '{}' --output '{}' --threads {} > '{}' 2>&1", *args.get("--binary"), in_path,
                                          out_path, args.get("--threads").value_or("1"), (dir / "log.txt").string());
  const int status = std::system(command.c_str());
  if (status != 0) {
    fmt::print(stderr, "FAIL: {} exited with status {}\n", command, status);
    std::system(fmt::format("cat '{}' >&2", (dir / "log.txt").string()).c_str());
    return 1;
  }
  const Tensor out = load(out_path);
  const Tensor expected = args.has("--expect") ? load(*args.get("--expect")) : run_reference(graph, weights, input);
  fs::remove_all(dir);

  if (out.shape != expected.shape) {
    fmt::print(stderr, "FAIL: output shape {} differs from the expected {}\n", to_string(out.shape), to_string(expected.shape));
    return 1;
  }
  double max_ref = 0, max_err = 0;
  std::size_t worst = 0;
  for (std::size_t i = 0; i < out.data.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(double(expected.data[i])));
    const double err = std::fabs(double(out.data[i]) - double(expected.data[i]));
    if (!(err <= max_err)) {  // also catches NaN
      max_err = err;
      worst = i;
    }
  }
  const double tolerance = std::stod(args.get("--tolerance").value_or("1e-5"));
  const double relative = max_ref > 0 ? max_err / max_ref : max_err;
  const bool ok = relative <= tolerance;
  fmt::print("{}: output {} max|expected| {:.6g}, max error {:.3g} (relative {:.3g}, tolerance {:g}) at flat index {}: got {} "
             "expected {}\n",
             ok ? "PASS" : "FAIL", to_string(out.shape), max_ref, max_err, relative, tolerance, worst, out.data[worst],
             expected.data[worst]);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const cli::Parsed args = cli::parse({argv + 1, argv + argc}, kOptions);
    if (!args.has("--binary") || !args.has("--spec")) throw cli::UsageError("--binary and --spec are required");
    return run(args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "e2e_check: error: {}\n", e.what());
    return 2;
  }
}
