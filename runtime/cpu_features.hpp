// Run-time CPU check, so a binary built for AVX-512 says so instead of dying of SIGILL.
#pragma once

#include <string>
#include <string_view>

namespace rnc::rt {

// "generic" is always true; "avx2" needs AVX2 + FMA and OS-saved ymm state; "avx512" needs
// AVX-512 F/BW/DQ/VL, AVX2 + FMA, and OS-saved zmm/opmask state. False for both off x86.
// Throws Error for any other name.
bool cpu_supports(std::string_view isa);

// The CPUID brand string, e.g. "AMD Ryzen 9 9950X 16-Core Processor", or a generic name.
std::string cpu_description();

}  // namespace rnc::rt
