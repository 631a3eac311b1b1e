// Run-time CPU check, so a binary built for AVX-512 says so instead of dying of SIGILL.
#pragma once

#include <string>
#include <string_view>

namespace rnc::rt {

// "generic" is always true; "avx2" needs AVX2 + FMA and OS-saved ymm state; "avx512" needs
// AVX-512 F/BW/DQ/VL, AVX2 + FMA, and OS-saved zmm/opmask state; "avx512vnni" that and
// AVX-512 VNNI. False for all but generic off x86. Throws Error for any other name. The
// environment variable RESNETC_ASSUME_CPU=generic|avx2|avx512 makes the CPU look smaller than it is (to test the
// refusal path).
bool cpu_supports(std::string_view isa);

// "this binary was compiled for avx512 but this CPU (...) does not support it; recompile ..."
std::string unsupported_cpu_message(std::string_view isa);

// For a program's first statement, before any code built for `isa` runs: prints
// "<program>: error: <unsupported_cpu_message>" and returns 1 when the CPU lacks `isa`, else 0.
int require_cpu(const char* program, const char* isa);

// The CPUID brand string, e.g. "AMD Ryzen 9 9950X 16-Core Processor", or a generic name.
std::string cpu_description();

}  // namespace rnc::rt
