// The target table and the resolution of `native` (codegen/target.hpp).
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "codegen/compile.hpp"
#include "codegen/target.hpp"
#include "dsl/diagnostics.hpp"
#include "dsl/spec_reader.hpp"

using namespace rnc;

namespace {

// Makes the CPU look like `isa` to rt::cpu_supports for one scope.
class AssumeCpu {
 public:
  explicit AssumeCpu(const char* isa) { ::setenv("RESNETC_ASSUME_CPU", isa, 1); }
  ~AssumeCpu() { ::unsetenv("RESNETC_ASSUME_CPU"); }
  AssumeCpu(const AssumeCpu&) = delete;
  AssumeCpu& operator=(const AssumeCpu&) = delete;
};

}  // namespace

TEST_CASE("target: native resolves to the best target the CPU supports") {
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    CAPTURE(isa);
    const AssumeCpu cpu(isa);
    const TargetChoice choice = resolve_target("native");
    CHECK(choice.native);
    CHECK(choice.target->name == isa);
    CHECK(choice.flags().find("-march=native") != std::string_view::npos);
    CHECK(choice.describe() == std::string(isa) + " (native: the best this CPU supports)");
  }
}

TEST_CASE("target: a named target is taken as it is, with its own flags") {
  const AssumeCpu cpu("generic");  // naming a target never depends on the CPU that runs resnetc
  const TargetChoice avx2 = resolve_target("avx2");
  CHECK_FALSE(avx2.native);
  CHECK(avx2.target->lanes == 8);
  CHECK(avx2.target->registers == 16);
  CHECK(avx2.flags() == "-mavx2 -mfma");
  CHECK(avx2.describe() == "avx2");
  CHECK(resolve_target("avx512").target->lanes == 16);
  CHECK(resolve_target("generic").target->isa_macros.empty());
}

TEST_CASE("target: unknown names are refused with the known ones") {
  CHECK_FALSE(is_target_name("sse4"));
  CHECK(is_target_name("native"));
  CHECK_THROWS_WITH_AS(resolve_target("sse4"),
                       "unknown target \"sse4\" (expected one of: native, avx512vnni, avx512, avx2, generic)",
                       CompileError);
}

TEST_CASE("target: native on an AVX2 machine generates the avx2 target's code and says so") {
  const Graph graph = read_spec(std::string(RESNETC_SOURCE_DIR) + "/tests/specs/general_form.json");
  const WeightMap weights = random_weights(graph, 5);
  const AssumeCpu cpu("avx2");
  CompileOptions options;
  const CompiledProject native = compile_project(graph, weights, options);  // native is the default
  options.target = "avx2";
  const CompiledProject avx2 = compile_project(graph, weights, options);
  CHECK(native.target.target->name == "avx2");
  // Same kernels and layouts; only the flags (-march=native) and the hash in the first line differ.
  const auto body = [](const std::string& text) { return text.substr(text.find('\n')); };
  CHECK(body(native.files.at("general_form_stem.cpp")) == body(avx2.files.at("general_form_stem.cpp")));
  const std::string& cmake = native.files.at("CMakeLists.txt");
  CHECK(cmake.find("# Layer code for target avx2 (native: the best this CPU supports).") != std::string::npos);
  CHECK(cmake.find("foreach(macro __AVX2__ __FMA__)") != std::string::npos);
  CHECK(native.files.at("general_form.hpp").find("kTarget[] = \"avx2\"") != std::string::npos);
}
