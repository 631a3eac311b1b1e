// Accuracy of an int8 build on real data, against its float build and PyTorch's own int8:
//
//   int8_accuracy_check --fp32 B32 --int8 B8 --batch N --images X --labels Y
//                       [--torch-json J] [--max-drop D] [--min-agreement A] [--max-below-torch T]
//                       [--min-accuracy M]
//
// B32 and B8 are the generated programs of one model (input [N,1,H,W]) in fp32 and int8. X holds
// the K labelled images (.npy [K,1,H,W], or a PGM of them stacked vertically), run N at a time
// (K a multiple of N). Passes when the int8 accuracy is at most D below fp32's, the two agree on
// at least a fraction A of the top-1 classes, int8 is at most T below PyTorch's int8 accuracy
// (J: tools/torch_int8.py --json-out), and fp32 is at least M. Prints every figure.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/support/classification.hpp"
#include "tools/resnetc/args.hpp"

using namespace rnc;

namespace {

const std::vector<cli::OptionSpec> kOptions = {
    {"--fp32", "", "FILE", "generated program, float"},
    {"--int8", "", "FILE", "generated program of the same model, int8"},
    {"--batch", "", "N", "the programs' batch size"},
    {"--images", "", "FILE", ".npy [K,1,H,W] or a PGM of K images stacked vertically"},
    {"--labels", "", "FILE", "the K true classes, one per line"},
    {"--torch-json", "", "FILE", "PyTorch's figures (tools/torch_int8.py --json-out)"},
    {"--max-drop", "", "D", "int8 accuracy at most this below fp32's (default 0.005)"},
    {"--min-agreement", "", "A", "top-1 classes of int8 and fp32 agree at least this often (default 0.99)"},
    {"--max-below-torch", "", "T", "int8 accuracy at most this below PyTorch's int8 (default 0.003)"},
    {"--min-accuracy", "", "M", "fp32 accuracy at least this (default 0)"}};

// The top-1 class of every image, running `binary` on batches of `batch` images.
std::vector<std::size_t> classify(const std::string& binary, const rt::Tensor& images, std::int64_t batch) {
  const std::int64_t count = images.shape[0], per_image = images.shape[2] * images.shape[3];
  if (batch <= 0 || count % batch != 0)
    throw test::TestFailure(fmt::format("{} images are not whole batches of {}", count, batch));
  const test::ScratchDir scratch("int8_accuracy_check");
  const std::string input = scratch.file("batch.npy");
  std::vector<std::size_t> classes;
  for (std::int64_t first = 0; first < count; first += batch) {
    const float* data = images.data.data() + first * per_image;
    rt::write_npy(input, data, {batch, 1, images.shape[2], images.shape[3]});
    const rt::Tensor logits = test::run_generated_program(binary, input, 1, scratch, "--top 1");
    const auto batch_classes = test::predicted_classes(logits, static_cast<std::size_t>(batch), binary);
    classes.insert(classes.end(), batch_classes.begin(), batch_classes.end());
  }
  return classes;
}

double option(const cli::Parsed& args, const char* name, double fallback) {
  const auto text = args.get(name);
  return text ? std::stod(*text) : fallback;
}

bool check(bool ok, const std::string& what) {
  fmt::print("{}: {}\n", ok ? "PASS" : "FAIL", what);
  return ok;
}

int run(const cli::Parsed& args) {
  const std::vector<std::size_t> truth = test::read_classes(*args.get("--labels"));
  const rt::Tensor images = test::load_images(*args.get("--images"), truth.size());
  const std::int64_t batch = std::stoll(*args.get("--batch"));
  const auto fp32 = classify(*args.get("--fp32"), images, batch);
  const auto int8 = classify(*args.get("--int8"), images, batch);
  const double fp32_accuracy = test::fraction(test::count_equal(fp32, truth), truth.size());
  const double int8_accuracy = test::fraction(test::count_equal(int8, truth), truth.size());
  const double agreement = test::fraction(test::count_equal(fp32, int8), truth.size());
  fmt::print("{} images: resnetc fp32 accuracy {:.4f}, int8 {:.4f}, top-1 agreement {:.4f}\n", truth.size(),
             fp32_accuracy, int8_accuracy, agreement);
  const double max_drop = option(args, "--max-drop", 0.005), min_agreement = option(args, "--min-agreement", 0.99);
  bool ok = check(fp32_accuracy - int8_accuracy <= max_drop,
                  fmt::format("int8 is {:.4f} below fp32 (at most {:g})", fp32_accuracy - int8_accuracy, max_drop));
  ok = check(agreement >= min_agreement, fmt::format("agreement {:.4f} (at least {:g})", agreement, min_agreement)) &&
       ok;
  const double min_accuracy = option(args, "--min-accuracy", 0);
  ok = check(fp32_accuracy >= min_accuracy, fmt::format("fp32 accuracy (at least {:g})", min_accuracy)) && ok;
  if (const auto path = args.get("--torch-json")) {
    std::ifstream in(*path);
    if (!in) throw test::TestFailure(*path + ": cannot open (did fashion_torch_int8_accuracy run?)");
    const auto torch = nlohmann::json::parse(in);
    const double torch_int8 = torch.at("int8_accuracy").get<double>();
    const double below = option(args, "--max-below-torch", 0.003);
    fmt::print("PyTorch: fp32 accuracy {:.4f}, int8 {:.4f}\n", torch.at("fp32_accuracy").get<double>(), torch_int8);
    ok = check(int8_accuracy >= torch_int8 - below,
               fmt::format("resnetc int8 {:+.4f} against PyTorch int8 (at most {:g} below)", int8_accuracy - torch_int8,
                           below)) &&
         ok;
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const cli::Parsed args = cli::parse({argv + 1, argv + argc}, kOptions);
    for (const char* required : {"--fp32", "--int8", "--batch", "--images", "--labels"})
      if (!args.has(required)) throw cli::UsageError(fmt::format("{} is required", required));
    return run(args);
  } catch (const test::TestFailure& e) {
    fmt::print(stderr, "FAIL: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "int8_accuracy_check: error: {}\n", e.what());
    return 2;
  }
}
