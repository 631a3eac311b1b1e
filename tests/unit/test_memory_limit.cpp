// Unit tests for the memory limit (--max-memory): the size parser, and that the estimate made
// from shapes alone is a true lower bound of what lowering then allocates (so refusing on it never
// refuses a network that would fit), on the seed and two small test specs.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "codegen/compile.hpp"
#include "dsl/diagnostics.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/weights.hpp"
#include "tools/resnetc/args.hpp"

namespace {

const std::string kRoot = RESNETC_SOURCE_DIR;

std::string error_of_size(const std::string& text) {
  try {
    rnc::cli::parse_size("--max-memory", text);
  } catch (const rnc::cli::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("parse_size: plain bytes and K/M/G/T suffixes are binary multiples") {
  CHECK(rnc::cli::parse_size("--max-memory", "1000") == 1000);
  CHECK(rnc::cli::parse_size("--max-memory", "512K") == 512ull << 10);
  CHECK(rnc::cli::parse_size("--max-memory", "512M") == 512ull << 20);
  CHECK(rnc::cli::parse_size("--max-memory", "4G") == 4ull << 30);
  CHECK(rnc::cli::parse_size("--max-memory", "2T") == 2ull << 40);
}

TEST_CASE(
    "parse_size: 0, empty, negative, fractions, unknown suffixes and overflow are usage errors naming the option") {
  for (const std::string text : {"0", "", "-1", "1.5G", "12Q", "G", "16777216T", "99999999999999999999"}) {
    CAPTURE(text);
    const std::string message = error_of_size(text);
    CHECK(message.find("--max-memory") != std::string::npos);
    CHECK(message.find("'" + text + "'") != std::string::npos);
  }
}

TEST_CASE("estimate_memory: parameters exactly, and at most the planned arena (seed, general_form, seed_narrow)") {
  for (const std::string spec :
       {"/examples/resnet18.json", "/tests/specs/general_form.json", "/tests/specs/seed_narrow.json"}) {
    CAPTURE(spec);
    const rnc::Graph graph = rnc::read_spec(kRoot + spec);
    const rnc::MemoryEstimate estimate = rnc::estimate_memory(graph);
    CHECK(estimate.weight_bytes == doctest::Approx(4.0 * static_cast<double>(rnc::total_params(graph))));
    const rnc::Program program = rnc::plan_program(graph);
    CHECK(estimate.activation_bytes > 0);
    CHECK(estimate.activation_bytes <= static_cast<double>(program.arena_floats) * 4);
  }
}

TEST_CASE("check_memory_limit: refuses below the estimate with both sizes and the option, accepts at it") {
  const rnc::Graph graph = rnc::read_spec(kRoot + "/tests/specs/general_form.json");
  const rnc::MemoryEstimate estimate = rnc::estimate_memory(graph);
  const auto limit = static_cast<std::uint64_t>(std::max(estimate.weight_bytes, estimate.activation_bytes));
  CHECK_NOTHROW(rnc::check_memory_limit(graph, limit, "g.json"));
  try {
    rnc::check_memory_limit(graph, limit - 1, "g.json");
    FAIL("a limit one byte below the estimate was accepted");
  } catch (const rnc::CompileError& e) {
    const std::string message = e.what();
    CHECK(message.find("g.json: ") == 0);
    CHECK(message.find(std::to_string(limit) + " bytes") != std::string::npos);
    CHECK(message.find(std::to_string(limit - 1) + " bytes") != std::string::npos);
    CHECK(message.find("--max-memory") != std::string::npos);
  }
}
