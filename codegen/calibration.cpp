#include "codegen/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace rnc {
namespace {

using Histogram = std::vector<std::uint64_t>;

// Adds each bin into bin i / factor: the histogram of the same values over a range `factor`
// times wider. In place: bin i / factor <= i has already been emptied or is i itself.
void merge_bins(Histogram& h, std::size_t factor) {
  for (std::size_t i = 1; i < h.size(); ++i) {
    const std::uint64_t count = std::exchange(h[i], 0);
    h[i / factor] += count;
  }
}

std::uint64_t total(const Histogram& h) { return std::accumulate(h.begin(), h.end(), std::uint64_t{0}); }

// The value below which `percent` of the counts lie, interpolated linearly inside its bin.
double percentile(const Histogram& h, double percent, double width) {
  const double target = percent / 100 * static_cast<double>(total(h));
  double below = 0;
  for (std::size_t b = 0; b < h.size(); ++b) {
    const auto count = static_cast<double>(h[b]);
    if (count > 0 && below + count >= target) return (static_cast<double>(b) + (target - below) / count) * width;
    below += count;
  }
  return 0;
}

// The count every empty bin of Q gets, as MXNet and ONNX Runtime smooth: KL(P || Q) stays finite
// where P has clipped outliers and Q's level is empty, and a rare outlier costs little.
constexpr double kSmoothing = 1e-4;

struct LevelTerms {
  double kl = 0;      // sum of P(k) * log(P(k) / Q(k)) over the level's bins
  double q_mass = 0;  // sum of Q(k)
};

// One level of Q: the unclipped counts h of bins [begin, end) spread evenly over the bins where the
// clipped reference P is nonzero (p(k) is P's count of bin k); Q's other bins are smoothed.
template <class P>
LevelTerms level_terms(const P& p, const Histogram& h, std::size_t begin, std::size_t end) {
  double mass = 0, nonzero = 0;
  for (std::size_t k = begin; k < end; ++k) {
    mass += static_cast<double>(h[k]);
    nonzero += p(k) > 0 ? 1 : 0;
  }
  const auto bins = static_cast<double>(end - begin);
  const double q = mass > 0 ? mass / nonzero : kSmoothing;
  LevelTerms terms{0, mass > 0 ? mass + kSmoothing * (bins - nonzero) : kSmoothing * bins};
  for (std::size_t k = begin; k < end; ++k) {
    if (p(k) > 0) terms.kl += p(k) * std::log(p(k) / q);
  }
  return terms;
}

// KL(P || Q), both normalized, for P = h clipped at bin i (the counts of bins >= i, above[i],
// added to bin i - 1) and Q = h's bins [0, i) in `levels` levels.
double clipped_divergence(const Histogram& h, const Histogram& above, std::size_t i, std::size_t levels) {
  const auto p = [&](std::size_t k) { return static_cast<double>(h[k] + (k == i - 1 ? above[i] : 0)); };
  LevelTerms sum;
  for (std::size_t j = 0; j < levels; ++j) {
    const LevelTerms terms = level_terms(p, h, j * i / levels, (j + 1) * i / levels);
    sum.kl += terms.kl, sum.q_mass += terms.q_mass;
  }
  const auto total = static_cast<double>(above[0]);
  return sum.kl / total + std::log(sum.q_mass / total);
}

// TensorRT's threshold: the clipping bin count i in [levels, kBins] of least KL divergence.
double entropy(const Histogram& h, std::size_t levels, double width) {
  Histogram above(h.size() + 1, 0);
  for (std::size_t b = h.size(); b-- > 0;) above[b] = above[b + 1] + h[b];
  if (above[0] == 0) return 0;
  std::size_t best = h.size();
  double best_kl = std::numeric_limits<double>::infinity();
  for (std::size_t i = levels; i <= h.size(); ++i) {
    const double kl = clipped_divergence(h, above, i, levels);
    if (kl < best_kl) best_kl = kl, best = i;
  }
  return static_cast<double>(best) * width;
}

}  // namespace

std::optional<CalibrationMethod> parse_calibration_method(std::string_view text) {
  for (const auto method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    if (text == name(method)) return method;
  }
  return std::nullopt;
}

std::string_view name(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax:
      return "minmax";
    case CalibrationMethod::kPercentile:
      return "percentile";
    case CalibrationMethod::kEntropy:
      return "entropy";
  }
  return "?";
}

void RangeStats::add(std::span<const float> values) {
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  std::uint64_t finite = 0;
  for (const float v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v), hi = std::max(hi, v);
    ++finite;
  }
  non_finite_ += values.size() - finite;
  if (finite == 0) return;
  min_ = count_ == 0 ? lo : std::min(min_, lo);
  max_ = count_ == 0 ? hi : std::max(max_, hi);
  count_ += finite;
  grow(std::max(-static_cast<double>(lo), static_cast<double>(hi)));
  for (const float v : values) {
    if (std::isfinite(v)) bin(v);
  }
}

// Makes the range cover `magnitude`: the first nonzero one sets it, a larger one doubles it.
void RangeStats::grow(double magnitude) {
  if (magnitude <= range_) return;
  if (range_ == 0) {
    range_ = magnitude;  // every count so far is of a zero, in bin 0 at any range
    return;
  }
  std::size_t factor = 1;
  while (range_ < magnitude) {
    range_ *= 2;
    factor = std::min(factor * 2, 2 * kBins);  // beyond kBins, everything lands in bin 0 anyway
  }
  merge_bins(positive_, factor);
  merge_bins(negative_, factor);
}

void RangeStats::bin(float value) {
  const double magnitude = std::fabs(static_cast<double>(value));
  const auto index = range_ == 0 ? 0 : static_cast<std::size_t>(magnitude / range_ * static_cast<double>(kBins));
  (value < 0 ? negative_ : positive_)[std::min(index, kBins - 1)] += 1;
  if (value == 0) ++zeros_;
}

std::vector<std::uint64_t> RangeStats::histogram() const { return quantized_histogram(true); }

std::vector<std::uint64_t> RangeStats::quantized_histogram(bool is_signed) const {
  Histogram h = positive_;
  if (is_signed) {
    for (std::size_t b = 0; b < kBins; ++b) h[b] += negative_[b];
  } else {
    h[0] += total(negative_);
  }
  return h;
}

std::vector<std::uint64_t> RangeStats::entropy_histogram(bool is_signed) const {
  Histogram h = positive_;
  if (is_signed) {
    for (std::size_t b = 0; b < kBins; ++b) h[b] += negative_[b];
  }
  h[0] -= zeros_;
  return h;
}

float RangeStats::threshold(CalibrationMethod method, bool is_signed) const {
  const double top = count_ == 0 ? 0
                     : is_signed ? std::max(-static_cast<double>(min_), static_cast<double>(max_))
                                 : std::max(static_cast<double>(max_), 0.0);
  const double width = range_ / static_cast<double>(kBins);
  double t = top;
  if (method == CalibrationMethod::kPercentile) {
    t = percentile(quantized_histogram(is_signed), kCalibrationPercentile, width);
  } else if (method == CalibrationMethod::kEntropy) {
    t = entropy(entropy_histogram(is_signed), is_signed ? 128 : 256, width);
  }
  return std::max(static_cast<float>(std::min(t, top)), kMinThreshold);
}

}  // namespace rnc
