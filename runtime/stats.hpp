// Timing for --bench and --profile.
#pragma once

#include <vector>

namespace rnc::rt {

struct TimingSummary {
  double min_ms, median_ms, p90_ms, mean_ms;
  int runs;
};

// Median: the middle value, or the mean of the two middle values for an even count.
// p90: nearest rank, the ceil(0.9 * n)-th smallest value (always one of the samples).
// An empty input gives all zeros.
TimingSummary summarize(std::vector<double> ms);

// Monotonic seconds from an arbitrary origin (steady_clock); only differences are meaningful.
double now_seconds();

}  // namespace rnc::rt
