// classify INPUT [LOGITS.npy]: runs the network compiled by resnetc_add_model(classifier ...) on
// a float32 NCHW .npy of the model's input shape, or a PGM/PPM of its size, and prints the most
// likely class of every batch item. The weights are linked into the executable (EMBED_WEIGHTS).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "classifier.hpp"
#include "cpu_features.hpp"
#include "error.hpp"
#include "file_io.hpp"
#include "npy.hpp"
#include "pnm.hpp"
#include "weights_blob.hpp"

namespace {

const std::vector<std::int64_t> kInputShape(std::begin(classifier::kInputShape), std::end(classifier::kInputShape));
const std::vector<std::int64_t> kOutputShape(std::begin(classifier::kOutputShape), std::end(classifier::kOutputShape));

// The input as the model wants it: an .npy of exactly its shape, or one image for every batch item.
std::vector<float> load_input(const std::string& path) {
  if (rnc::rt::read_prefix(path, 6) == std::string("\x93NUMPY", 6)) {
    rnc::rt::Tensor tensor = rnc::rt::read_npy(path);
    if (tensor.shape != kInputShape)
      throw rnc::rt::Error(path + ": shape is " + rnc::rt::shape_string(tensor.shape) + ", the model expects " +
                           rnc::rt::shape_string(kInputShape));
    return std::move(tensor.data);
  }
  const rnc::rt::Image image = rnc::rt::read_pnm(path);
  if (image.channels != kInputShape[1] || image.height != kInputShape[2] || image.width != kInputShape[3])
    throw rnc::rt::Error(path + ": image is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                         " with " + std::to_string(image.channels) + " channel(s), the model expects " +
                         rnc::rt::shape_string(kInputShape));
  std::vector<float> input;
  for (std::int64_t n = 0; n < kInputShape[0]; ++n) input.insert(input.end(), image.data.begin(), image.data.end());
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "Usage: classify INPUT [LOGITS.npy]\n  INPUT: float32 .npy of shape %s, or a PGM/PPM\n",
                 rnc::rt::shape_string(kInputShape).c_str());
    return 2;
  }
  const rnc::rt::ModelInfo& info = classifier::Model::info();
  // Before any code built for the model's instruction set runs.
  if (rnc::rt::require_cpu("classify", info.required_isa) != 0) return 1;
  try {
    const auto blob = rnc::rt::WeightsBlob::from_memory(info.embedded_blob, info.embedded_blob_size,
                                                        classifier::kModelHash, classifier::kWeightsPayloadBytes);
    classifier::Model model;  // allocates its activation arena once (std::bad_alloc if it cannot)
    model.bind_weights(blob.payload());
    const std::vector<float> input = load_input(argv[1]);
    std::vector<float> logits(classifier::kOutputFloats);
    model.run(input.data(), logits.data());

    const auto classes = static_cast<std::size_t>(kOutputShape.back());
    for (std::size_t n = 0; n < logits.size() / classes; ++n) {
      const auto first = logits.begin() + static_cast<std::ptrdiff_t>(n * classes);
      const auto best = std::max_element(first, first + static_cast<std::ptrdiff_t>(classes));
      std::printf("image %zu: class %td (logit %.4f)\n", n, best - first, static_cast<double>(*best));
    }
    if (argc == 3) rnc::rt::write_npy(argv[2], logits.data(), kOutputShape);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "classify: error: %s\n", e.what());
    return 1;
  }
}
