#include "stats.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <numeric>

namespace rnc::rt {

TimingSummary summarize(std::vector<double> ms) {
  const std::size_t n = ms.size();
  if (n == 0) return {0, 0, 0, 0, 0};
  std::sort(ms.begin(), ms.end());
  const double median = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  const std::size_t p90_rank = (9 * n + 9) / 10;  // ceil(0.9 n) in integers, 1-based
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(n);
  return {ms.front(), median, ms[p90_rank - 1], mean, static_cast<int>(n)};
}

double now_seconds() {
  using Seconds = std::chrono::duration<double>;
  return std::chrono::duration_cast<Seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace rnc::rt
