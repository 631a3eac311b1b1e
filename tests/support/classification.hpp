// Shared by the accuracy drivers (tests/digits/digits_check.cpp, tests/accuracy/int8_accuracy_check.cpp):
// true classes from a text file, predicted classes from logits, and counting.
#pragma once

#include <cmath>
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "npy.hpp"
#include "pnm.hpp"
#include "tests/support/generated_program.hpp"

namespace rnc::test {

// One class index per line.
inline std::vector<std::size_t> read_classes(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TestFailure(path + ": cannot open");
  std::vector<std::size_t> classes;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::size_t end = 0;
    try {
      classes.push_back(std::stoul(line, &end));
    } catch (const std::logic_error&) {
      end = 0;
    }
    if (end == 0 || end != line.size())
      throw TestFailure(fmt::format("{}:{}: expected a class index, got '{}'", path, number, line));
  }
  return classes;
}

// Index of the largest logit of each row; non-finite logits fail, since no class can be read.
inline std::vector<std::size_t> predicted_classes(const rt::Tensor& logits, std::size_t rows, const std::string& what) {
  if (logits.shape.size() != 2 || logits.shape[0] != static_cast<std::int64_t>(rows)) {
    throw TestFailure(fmt::format("{}: shape {}, expected [{}, classes]", what, rt::shape_string(logits.shape), rows));
  }
  const auto classes = static_cast<std::size_t>(logits.shape[1]);
  std::vector<std::size_t> predicted(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = logits.data.data() + r * classes;
    for (std::size_t c = 0; c < classes; ++c) {
      if (!std::isfinite(row[c]))
        throw TestFailure(fmt::format("{}: image {} has logit {} for class {}", what, r, row[c], c));
      if (row[c] > row[predicted[r]]) predicted[r] = c;
    }
  }
  return predicted;
}

// `count` images as an [N,1,W,W] tensor: an .npy of that shape, or a PGM of the N images stacked
// vertically (W x N*W: the same memory layout; samples divided by 255 are the model's input).
inline rt::Tensor load_images(const std::string& path, std::size_t count) {
  const auto n = static_cast<std::int64_t>(count);
  if (path.ends_with(".npy")) {
    rt::Tensor t = rt::read_npy(path);
    if (t.shape.size() != 4 || t.shape[0] != n || t.shape[1] != 1)
      throw TestFailure(fmt::format("{}: shape {}, expected [{},1,H,W]", path, rt::shape_string(t.shape), count));
    return t;
  }
  rt::Image image = rt::read_pnm(path);
  if (image.channels != 1 || image.height != n * image.width) {
    throw TestFailure(
        fmt::format("{}: {} channel(s), {}x{} pixels; expected a PGM of {} images stacked vertically ({}x{})", path,
                    image.channels, image.width, image.height, count, image.width, n * image.width));
  }
  return {{n, 1, image.width, image.width}, std::move(image.data)};
}

inline std::size_t count_equal(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < a.size(); ++i) count += a[i] == b[i];
  return count;
}

inline double fraction(std::size_t count, std::size_t total) {
  return total == 0 ? 0 : static_cast<double>(count) / static_cast<double>(total);
}

}  // namespace rnc::test
