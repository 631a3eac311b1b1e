// The code generation targets: one table that every stage reads. Lowering takes the vector unit
// (lanes: the channel block of the NCHW<lanes>c layout; registers: what register tiles fit in),
// the emitter the compiler flags and the instruction-set macros the generated CMakeLists.txt checks
// at configure time, the driver the names and the resolution of `native`.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "codegen/program.hpp"

namespace rnc {

// How a target's int8 kernels multiply u8 activations by s8 weights (docs/quantization.md), which
// bounds the weights.
enum class Int8Dot {
  kVnni,     // `vpdpbusd`: s8 weights in [-127, 127]
  kMaddubs,  // `vpmaddubsw` + `vpmaddwd`: a pair of products must fit s16, so 7-bit weights in [-63, 63]
  kPortable  // C++ loops into int32: [-127, 127]
};

struct Target {
  std::string_view name;          // also the runtime's instruction-set name (rt::cpu_supports)
  int lanes;                      // fp32 lanes per vector register
  int registers;                  // vector registers
  std::string_view flags;         // compiler flags of the layer code when the target is named
  std::string_view native_flags;  // ... when `native` resolved to it: tuned for the build machine
  std::string_view isa_macros;    // space-separated macros the compiler defines when the flags work
  std::string_view cpu_features;  // what the CPU needs, for messages
  Int8Dot int8_dot;

  VectorIsa vector_isa() const { return {.lanes = lanes, .registers = registers}; }
  // The largest |q| of an int8 weight on this target: 63 for kMaddubs, else 127.
  int int8_weight_max() const;
  // "s8 in [-63, 63] (7-bit: avx2 has no VNNI, ...)": the weights' range and why, for `resnetc check`.
  std::string describe_int8_weights() const;
};

// Every instruction-set target, best first (generic last: it runs anywhere).
std::span<const Target> targets();

// A target as the user named it, resolved: `native` becomes the best row this CPU runs.
struct TargetChoice {
  const Target* target = nullptr;
  bool native = false;  // resolved from `native`

  std::string_view flags() const { return native ? target->native_flags : target->flags; }
  // "avx512", or "avx512 (native: the best this CPU supports)".
  std::string describe() const;
};

// Throws CompileError naming the known targets for any other name. The CPU is read through
// rt::cpu_supports, so RESNETC_ASSUME_CPU=avx2 makes `native` resolve as on an AVX2 machine.
TargetChoice resolve_target(std::string_view name);

// "native, avx512, avx2, generic": the names --target accepts, default first.
std::string target_names();
bool is_target_name(std::string_view name);

}  // namespace rnc
