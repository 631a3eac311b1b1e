// The outcome of every backend test as one table (the console's and a Markdown one that
// docs/onnx.md includes), then the counts: passed, skipped by reason, failed.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace rnc::backend {

enum class Verdict { kPassed, kSkipped, kFailed };

struct Result {
  std::string suite;  // "node", "pytorch-converted"
  std::string test;   // "test_conv_with_strides_padding"
  Verdict verdict = Verdict::kPassed;
  std::string detail;  // the skip reason, or what failed and by how much
};

struct Counts {
  int passed = 0, skipped = 0, failed = 0;
  std::map<std::string, int> skipped_by_reason;
};
Counts count(const std::vector<Result>& results);

// `checks` says what a pass means ("reference interpreter and generated code").
std::string text_report(const std::vector<Result>& results, const std::string& checks);
std::string markdown_report(const std::vector<Result>& results, const std::string& checks);

}  // namespace rnc::backend
