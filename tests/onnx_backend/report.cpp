#include "tests/onnx_backend/report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rnc::backend {
namespace {

std::string verdict_text(const Result& r) {
  switch (r.verdict) {
    case Verdict::kPassed:
      return "PASSED";
    case Verdict::kSkipped:
      return fmt::format("SKIPPED ({})", r.detail);
    case Verdict::kFailed:
      return fmt::format("FAILED ({})", r.detail);
  }
  return "";
}

// Reasons by count, most frequent first (ties by name): the features worth adding first on top.
std::vector<std::pair<std::string, int>> reasons_by_count(const Counts& counts) {
  std::vector<std::pair<std::string, int>> reasons(counts.skipped_by_reason.begin(), counts.skipped_by_reason.end());
  std::stable_sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return reasons;
}

std::string summary_line(const Counts& c) {
  return fmt::format("{} tests: {} passed, {} skipped, {} failed", c.passed + c.skipped + c.failed, c.passed, c.skipped,
                     c.failed);
}

// "|" inside a cell would end it.
std::string markdown_cell(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

Counts count(const std::vector<Result>& results) {
  Counts c;
  for (const Result& r : results) {
    if (r.verdict == Verdict::kPassed) ++c.passed;
    if (r.verdict == Verdict::kFailed) ++c.failed;
    if (r.verdict == Verdict::kSkipped) {
      ++c.skipped;
      ++c.skipped_by_reason[r.detail];
    }
  }
  return c;
}

std::string text_report(const std::vector<Result>& results, const std::string& checks) {
  std::size_t width = 0;
  for (const Result& r : results) width = std::max(width, r.suite.size() + 1 + r.test.size());
  std::string out = fmt::format("ONNX backend tests ({})\n", checks);
  for (const Result& r : results) out += fmt::format("  {:<{}}  {}\n", r.suite + "/" + r.test, width, verdict_text(r));
  const Counts c = count(results);
  out += summary_line(c) + "\n";
  for (const auto& [reason, n] : reasons_by_count(c)) out += fmt::format("  skipped {:>4}  {}\n", n, reason);
  for (const Result& r : results)
    if (r.verdict == Verdict::kFailed) out += fmt::format("  FAILED  {}/{}: {}\n", r.suite, r.test, r.detail);
  return out;
}

std::string markdown_report(const std::vector<Result>& results, const std::string& checks) {
  const Counts c = count(results);
  std::string out = fmt::format("{} ({}).\n\n| reason skipped | tests |\n|---|---:|\n", summary_line(c), checks);
  for (const auto& [reason, n] : reasons_by_count(c)) out += fmt::format("| {} | {} |\n", markdown_cell(reason), n);
  out += "\n| suite | test | result |\n|---|---|---|\n";
  for (const Result& r : results)
    out += fmt::format("| {} | {} | {} |\n", r.suite, r.test, markdown_cell(verdict_text(r)));
  return out;
}

}  // namespace rnc::backend
