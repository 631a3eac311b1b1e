// Activation ranges for int8 inference: RangeStats accumulates one activation tensor's values
// over all calibration images without keeping them, and turns them into the clipping threshold T
// of the tensor's quantization (scale T/255 for u8, T/127 for s8, zero point 0).
//
// The statistics: the exact min and max, and a histogram of the magnitudes in kBins equal bins
// over [0, R], R = the largest |x| of the first values seen, doubled as often as needed when a
// larger one arrives; doubling merges 2^k neighbouring bins into one, so the counts stay exact
// (PyTorch's HistogramObserver re-bins approximately instead). Positive and negative values are
// binned apart, so an unsigned (u8) threshold sees the negatives as the zeros they quantize to.
//
// The methods (`--calibration-method`), over the distribution D of the values as quantized:
// |x| for s8, max(x, 0) for u8:
//   minmax      T = max D: nothing is clipped.
//   percentile  T = the kCalibrationPercentile (99.99th) percentile of D, interpolated linearly
//               inside its histogram bin: the top 0.01% of values are clipped.
//   entropy     TensorRT's KL-divergence calibration, as MXNet and ONNX Runtime implement it: for
//               each i from L to kBins (L = 128 levels for s8, 256 for u8), the reference P is
//               bins [0, i) with the counts of bins >= i added to bin i-1 (clipping at i bins);
//               the candidate Q is bins [0, i) without that addition, merged into L levels (level
//               j covers bins [j*i/L, (j+1)*i/L)) and expanded back, each level's count spread
//               evenly over its bins where P is nonzero; every bin of Q left empty gets the count
//               1e-4 (smoothing, so that KL stays finite where P holds clipped outliers that Q's
//               level lacks; MXNet and ONNX Runtime smooth P and Q alike, which differs from this
//               by terms of the order of 1e-4 / count). T = i * bin width
//               for the i of least KL(P || Q) (P and Q normalized), the smallest i on ties.
//               Exact zeros (and for u8 the negatives) are left out of the histogram: they
//               quantize without error at any T, and as a spike in bin 0 they would pull T down
//               (NVIDIA's pytorch-quantization flattens bin 0 for the same reason). As bins are
//               R/kBins wide, T >= L/kBins * R: the histogram's resolution bounds the clipping.
// Every T is then capped at max D (clipping beyond the largest value never helps) and raised to
// kMinThreshold: an all-zero (or never-seen) tensor gets a tiny positive T, never 0 or NaN.
// NaN and infinite values are not binned; non_finite() counts them for the caller to report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace rnc {

enum class CalibrationMethod { kMinMax, kPercentile, kEntropy };

// "minmax", "percentile", "entropy"; nullopt for anything else.
std::optional<CalibrationMethod> parse_calibration_method(std::string_view text);
std::string_view name(CalibrationMethod method);

inline constexpr double kCalibrationPercentile = 99.99;
inline constexpr float kMinThreshold = 1e-8f;

class RangeStats {
 public:
  static constexpr std::size_t kBins = 2048;

  RangeStats() : positive_(kBins), negative_(kBins) {}

  void add(std::span<const float> values);
  // The clipping threshold T > 0 (see the top of this file).
  float threshold(CalibrationMethod method, bool is_signed) const;

  std::uint64_t count() const { return count_; }  // finite values added
  std::uint64_t non_finite() const { return non_finite_; }
  float min() const { return min_; }  // of the finite values; 0 before any
  float max() const { return max_; }
  // The histogram covers [0, range()] (0 until a nonzero value arrives) in kBins bins of width
  // range()/kBins; the last bin includes range() itself.
  double range() const { return range_; }
  // Counts of |x| per bin.
  std::vector<std::uint64_t> histogram() const;

 private:
  void grow(double magnitude);
  void bin(float value);
  // Counts of the values as quantized: |x| (signed) or max(x, 0) (unsigned).
  std::vector<std::uint64_t> quantized_histogram(bool is_signed) const;
  // The same without the values quantized exactly at any threshold: exact zeros (and for u8 the
  // negatives).
  std::vector<std::uint64_t> entropy_histogram(bool is_signed) const;

  std::vector<std::uint64_t> positive_;  // x >= 0, binned by x
  std::vector<std::uint64_t> negative_;  // x < 0, binned by -x
  double range_ = 0;
  float min_ = 0, max_ = 0;
  std::uint64_t count_ = 0, non_finite_ = 0, zeros_ = 0;
};

}  // namespace rnc
