// End-to-end check of one generated binary: runs it on an input and compares its output with the
// reference interpreter (the integer reference for int8 builds; or with an expected .npy, e.g.
// made by PyTorch).
//
//   e2e_check --binary B --spec S (--weights W | --random-weights SEED) [--input-shape N,C,H,W]
//             [--input X.npy] [--expect Y.npy] [--threads N[,N...]] [--tolerance T]
//             [--target T] [--precision int8 --calibration FILE ...]
//   e2e_check --write-uniform FILE --shape K,C,H,W [--low L]   (test inputs: uniform [L, 1) values)
//
// Runs the program once per thread count against one expected output (computed once: the
// reference interpreter is the slow part). Passes when every run has max|out - expected| <=
// T * max|expected|; prints both numbers and where the worst element is, so a failure says which
// output, at which thread count, and by how much. --target names the binary's target (default
// native, as resnetc_add_model's): its int8 weights are 7-bit without VNNI, and the integer
// reference must use the same.
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"
#include "dsl/reference.hpp"
#include "error.hpp"
#include "tests/support/generated_program.hpp"
#include "tools/resnetc/commands.hpp"

using namespace rnc;

namespace {

const std::vector<cli::OptionSpec> kOptions =
    cli::with_options({{"--binary", "", "FILE", "generated program"},
                       {"--spec", "", "FILE", "spec it was compiled from"},
                       cli::kWeightsOption,
                       cli::kRandomWeightsOption,
                       cli::kInputShapeOption,
                       cli::kTargetOption,
                       {"--input", "", "FILE", "input .npy (default: deterministic uniform [0,1) values)"},
                       {"--expect", "", "FILE", "expected output .npy (default: the reference interpreter)"},
                       {"--threads", "", "N[,N...]", "thread counts to run the generated program at (default 1)"},
                       {"--tolerance", "", "T", "relative tolerance to max|expected| (default 1e-5)"},
                       {"--write-uniform", "", "FILE", "only write a .npy of uniform values (with --shape) and exit"},
                       {"--shape", "", "K,C,H,W", "shape of --write-uniform"},
                       {"--low", "", "L", "lowest value of --write-uniform (default 0)"}},
                      cli::kPrecisionOptions);

Tensor uniform_input(const Shape& shape, float low = 0.0f) {
  Tensor t(shape);
  std::mt19937 gen(1234);
  std::uniform_real_distribution<float> dist(low, 1.0f);
  for (float& v : t.data) v = dist(gen);
  return t;
}

Tensor load(const std::string& path) { return rt::read_npy(path); }

std::vector<int> thread_counts(const std::string& list) {
  std::vector<int> counts;
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    counts.push_back(std::stoi(list.substr(at, comma - at)));
    at = comma + 1;
  }
  return counts;
}

// Compares one run with the expected output and prints the verdict line.
bool matches(const Tensor& out, const Tensor& expected, double tolerance, int threads) {
  if (out.shape != expected.shape) {
    fmt::print(stderr, "FAIL: at {} thread(s) output shape {} differs from the expected {}\n", threads,
               to_string(out.shape), to_string(expected.shape));
    return false;
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
  const double relative = max_ref > 0 ? max_err / max_ref : max_err;
  const bool ok = relative <= tolerance;
  fmt::print(
      "{}: {} thread(s): output {} max|expected| {:.6g}, max error {:.3g} (relative {:.3g}, tolerance {:g}) at flat "
      "index {}: got {} expected {}\n",
      ok ? "PASS" : "FAIL", threads, to_string(out.shape), max_ref, max_err, relative, tolerance, worst,
      out.data[worst], expected.data[worst]);
  return ok;
}

int run(const cli::Parsed& args) {
  cli::Parsed spec_args{{}, {*args.get("--spec")}};
  if (auto shape = args.get("--input-shape")) spec_args.values["--input-shape"] = *shape;
  Network network = cli::load_network(spec_args, "e2e_check");
  const Graph& graph = network.graph;
  const WeightMap weights = cli::load_weights(args, network);
  const test::ScratchDir scratch("e2e_check");
  const std::string in_path = args.get("--input").value_or(scratch.file("input.npy"));
  Tensor input = args.has("--input") ? load(in_path) : uniform_input(graph.shape(graph.input));
  if (!args.has("--input")) rt::write_npy(in_path, input.data.data(), {input.shape.begin(), input.shape.end()});

  CompileOptions options;
  cli::read_precision_options(args, graph, options);
  const Tensor expected =
      args.has("--expect") ? load(*args.get("--expect")) : cli::run_interpreter(graph, weights, options, input);
  const double tolerance = std::stod(args.get("--tolerance").value_or("1e-5"));
  bool ok = true;
  for (const int threads : thread_counts(args.get("--threads").value_or("1"))) {
    const Tensor out = test::run_generated_program(*args.get("--binary"), in_path, threads, scratch);
    ok = matches(out, expected, tolerance, threads) && ok;
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const cli::Parsed args = cli::parse({argv + 1, argv + argc}, kOptions);
    if (const auto file = args.get("--write-uniform")) {
      const auto dims = cli::parse_integer_list("--shape", args.get("--shape").value_or(""), 4, 1, 1 << 16);
      const Tensor t = uniform_input(Shape(dims.begin(), dims.end()), std::stof(args.get("--low").value_or("0")));
      rt::write_npy(*file, t.data.data(), {t.shape.begin(), t.shape.end()});
      return 0;
    }
    if (!args.has("--binary") || !args.has("--spec")) throw cli::UsageError("--binary and --spec are required");
    return run(args);
  } catch (const test::TestFailure& e) {
    fmt::print(stderr, "FAIL: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "e2e_check: error: {}\n", e.what());
    return 2;
  }
}
