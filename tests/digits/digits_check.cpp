// Runs a generated digits classifier on the committed held-out set and checks its accuracy
// against the true labels and, optionally, that it predicts the same class as PyTorch for every
// image.
//
//   digits_check --binary B --images heldout.pgm --labels heldout_labels.txt --min-accuracy A
//                [--expect logits.npy] [--threads N]
//
// heldout.pgm stacks the N images vertically (W wide, N*W tall): that is the memory layout of an
// [N,1,W,W] tensor, and read_pnm's samples (divided by 255) are the model's input as they are.
// heldout_labels.txt holds the true digit of each image, one per line.
#include <fmt/format.h>

#include "npy.hpp"
#include "tests/support/classification.hpp"
#include "tools/resnetc/args.hpp"

using namespace rnc;

namespace {

const std::vector<cli::OptionSpec> kOptions = {
    {"--binary", "", "FILE", "generated program, input shape [N,1,W,W]"},
    {"--images", "", "FILE", "the N held-out images stacked vertically (PGM, W x N*W)"},
    {"--labels", "", "FILE", "their true classes, one per line"},
    {"--min-accuracy", "", "A", "fail below this fraction of correct predictions"},
    {"--expect", "", "FILE", "PyTorch's logits .npy: every predicted class must agree"},
    {"--threads", "", "N", "threads for the generated program"}};

using Failure = test::TestFailure;
using test::count_equal;
using test::fraction;
using test::predicted_classes;
using test::read_classes;

void print_differences(const std::vector<std::size_t>& a, const char* a_name, const std::vector<std::size_t>& b,
                       const char* b_name) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) fmt::print("  image {}: {} {}, {} {}\n", i, a_name, a[i], b_name, b[i]);
  }
}

int run(const cli::Parsed& args) {
  const std::vector<std::size_t> truth = read_classes(*args.get("--labels"));
  const rt::Tensor input = test::load_images(*args.get("--images"), truth.size());
  const test::ScratchDir scratch("digits_check");
  const std::string input_path = scratch.file("input.npy");
  rt::write_npy(input_path, input.data.data(), input.shape);
  const rt::Tensor logits = test::run_generated_program(
      *args.get("--binary"), input_path, std::stoi(args.get("--threads").value_or("1")), scratch, "--top 1");

  const std::vector<std::size_t> predicted = predicted_classes(logits, truth.size(), "generated binary output");
  print_differences(truth, "true", predicted, "predicted");
  const double measured = fraction(count_equal(predicted, truth), truth.size());
  const double wanted = std::stod(*args.get("--min-accuracy"));
  bool ok = measured >= wanted;
  fmt::print("{}: held-out accuracy {:.4f} on {} images (at least {:g} wanted)\n", ok ? "PASS" : "FAIL", measured,
             truth.size(), wanted);
  if (const auto expect = args.get("--expect")) {
    const std::vector<std::size_t> reference = predicted_classes(rt::read_npy(*expect), truth.size(), *expect);
    print_differences(predicted, "generated binary predicts", reference, "PyTorch");
    const std::size_t agreeing = count_equal(predicted, reference);
    ok = ok && agreeing == truth.size();
    fmt::print("{}: {} of {} predicted classes equal PyTorch's (PyTorch's accuracy {:.4f})\n",
               agreeing == truth.size() ? "PASS" : "FAIL", agreeing, truth.size(),
               fraction(count_equal(reference, truth), truth.size()));
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const cli::Parsed args = cli::parse({argv + 1, argv + argc}, kOptions);
    for (const char* required : {"--binary", "--images", "--labels", "--min-accuracy"}) {
      if (!args.has(required)) throw cli::UsageError(fmt::format("{} is required", required));
    }
    return run(args);
  } catch (const Failure& e) {
    fmt::print(stderr, "FAIL: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "digits_check: error: {}\n", e.what());
    return 2;
  }
}
