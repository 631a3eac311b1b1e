#include "codegen/target.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"
#include "runtime/cpu_features.hpp"

namespace rnc {
namespace {

// generic keeps 16 lanes: the portable kernels vectorize them with whatever the compiler's
// default instruction set has.
constexpr Target kTargets[] = {
    // avx512 plus VNNI (vpdpbusd): the int8 kernels' instruction; float code is the same as avx512's.
    {.name = "avx512vnni",
     .lanes = 16,
     .registers = 32,
     .flags = "-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni -mfma -mprefer-vector-width=512",
     .native_flags = "-march=native -mprefer-vector-width=512",
     .isa_macros = "__AVX512F__ __AVX512BW__ __AVX512DQ__ __AVX512VL__ __AVX512VNNI__ __FMA__",
     .cpu_features = "AVX-512 F/BW/DQ/VL/VNNI and FMA",
     .int8_dot = Int8Dot::kVnni},
    {.name = "avx512",
     .lanes = 16,
     .registers = 32,
     .flags = "-mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -mprefer-vector-width=512",
     .native_flags = "-march=native -mprefer-vector-width=512",
     .isa_macros = "__AVX512F__ __AVX512BW__ __AVX512DQ__ __AVX512VL__ __FMA__",
     .cpu_features = "AVX-512 F/BW/DQ/VL and FMA",
     .int8_dot = Int8Dot::kMaddubs},
    {.name = "avx2",
     .lanes = 8,
     .registers = 16,
     .flags = "-mavx2 -mfma",
     .native_flags = "-march=native",
     .isa_macros = "__AVX2__ __FMA__",
     .cpu_features = "AVX2 and FMA",
     .int8_dot = Int8Dot::kMaddubs},  // even where `native` finds AVX-VNNI: one blob for every AVX2 CPU
    {.name = "generic",
     .lanes = 16,
     .registers = 32,
     .flags = "",
     .native_flags = "-march=native",
     .isa_macros = "",
     .cpu_features = "nothing beyond the compiler's default",
     .int8_dot = Int8Dot::kPortable},
};

constexpr std::string_view kNative = "native";

}  // namespace

std::span<const Target> targets() { return kTargets; }

int Target::int8_weight_max() const { return int8_dot == Int8Dot::kMaddubs ? 63 : 127; }

std::string Target::describe_int8_weights() const {
  const int max = int8_weight_max();
  return fmt::format("s8 in [-{}, {}] per output channel ({})", max, max,
                     int8_dot == Int8Dot::kMaddubs
                         ? fmt::format("7-bit: {} has no VNNI, and vpmaddubsw saturates pairs of 8-bit products", name)
                     : int8_dot == Int8Dot::kVnni ? "8-bit, vpdpbusd"
                                                  : "8-bit, portable kernels");
}

std::string TargetChoice::describe() const {
  return native ? fmt::format("{} (native: the best this CPU supports)", target->name) : std::string(target->name);
}

TargetChoice resolve_target(std::string_view name) {
  if (name == kNative) {
    for (const Target& t : kTargets)  // best first; generic always qualifies
      if (rt::cpu_supports(t.name)) return {&t, true};
  }
  for (const Target& t : kTargets)
    if (t.name == name) return {&t, false};
  throw CompileError(fmt::format("unknown target \"{}\" (expected one of: {})", name, target_names()));
}

bool is_target_name(std::string_view name) {
  return name == kNative ||
         std::any_of(std::begin(kTargets), std::end(kTargets), [&](const Target& t) { return t.name == name; });
}

std::string target_names() {
  std::string names(kNative);
  for (const Target& t : kTargets) names += fmt::format(", {}", t.name);
  return names;
}

}  // namespace rnc
