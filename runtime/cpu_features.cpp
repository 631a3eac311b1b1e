#include "cpu_features.hpp"

#include <cstdio>
#include <cstdlib>

#include <cstdint>
#include <cstring>

#include "error.hpp"

#if defined(__x86_64__) || defined(__i386__)
#define RNC_RT_X86 1
#include <cpuid.h>
#endif

namespace rnc::rt {

namespace {

#ifdef RNC_RT_X86

struct CpuidRegs {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// All zero if the leaf is not implemented, so every feature test on it fails.
CpuidRegs cpuid(unsigned leaf, unsigned subleaf = 0) {
  CpuidRegs r;
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) return CpuidRegs{};
  return r;
}

bool bit(unsigned reg, int index) { return (reg >> index & 1u) != 0; }

// XCR0: which register states the OS saves on context switch. Only valid if OSXSAVE is set.
std::uint64_t xcr0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return static_cast<std::uint64_t>(hi) << 32 | lo;
}

constexpr std::uint64_t kXcr0SseAvx = 0x6;   // XMM + upper YMM halves
constexpr std::uint64_t kXcr0Avx512 = 0xe0;  // opmask + upper ZMM0-15 + ZMM16-31

// CPU has the instructions and the OS saves their registers.
bool has_avx2() {
  const CpuidRegs leaf1 = cpuid(1);
  const bool osxsave = bit(leaf1.ecx, 27), avx = bit(leaf1.ecx, 28), fma = bit(leaf1.ecx, 12);
  if (!osxsave || !avx || !fma) return false;
  if ((xcr0() & kXcr0SseAvx) != kXcr0SseAvx) return false;
  return bit(cpuid(7).ebx, 5);
}

bool has_avx512() {
  if (!has_avx2()) return false;  // the avx512 target uses AVX2/FMA code too
  const std::uint64_t needed = kXcr0SseAvx | kXcr0Avx512;
  if ((xcr0() & needed) != needed) return false;
  const unsigned ebx = cpuid(7).ebx;
  return bit(ebx, 16) && bit(ebx, 17) && bit(ebx, 30) && bit(ebx, 31);  // F, DQ, BW, VL
}

// AVX-512 VNNI (vpdpbusd): the int8 kernels' multiply-accumulate.
bool has_avx512vnni() { return has_avx512() && bit(cpuid(7).ecx, 11); }

std::string brand_string() {
  // clang declares the result int, gcc unsigned.
  if (static_cast<unsigned>(__get_cpuid_max(0x80000000u, nullptr)) < 0x80000004u) return {};
  char text[49] = {};
  for (unsigned i = 0; i < 3; ++i) {
    const CpuidRegs r = cpuid(0x80000002u + i);
    const unsigned regs[4] = {r.eax, r.ebx, r.ecx, r.edx};
    std::memcpy(text + 16 * i, regs, sizeof regs);
  }
  std::string brand(text);
  brand.erase(0, brand.find_first_not_of(' '));
  brand.erase(brand.find_last_not_of(' ') + 1);
  return brand;
}

#else

bool has_avx2() { return false; }
bool has_avx512() { return false; }
bool has_avx512vnni() { return false; }
std::string brand_string() { return {}; }

#endif

}  // namespace

int isa_rank(std::string_view isa) {
  if (isa == "generic") return 0;
  if (isa == "avx2") return 1;
  if (isa == "avx512") return 2;
  if (isa == "avx512vnni") return 3;
  throw Error("unknown instruction set '" + std::string(isa) +
              "'; expected 'generic', 'avx2', 'avx512' or 'avx512vnni'");
}

bool cpu_supports(std::string_view isa) {
  const int wanted = isa_rank(isa);
  // Lets tests see the refusal path on a machine that has every instruction set.
  if (const char* assumed = std::getenv("RESNETC_ASSUME_CPU"); assumed && *assumed) return wanted <= isa_rank(assumed);
  if (wanted == 0) return true;
  switch (wanted) {
    case 1:
      return has_avx2();
    case 2:
      return has_avx512();
    default:
      return has_avx512vnni();
  }
}

std::string unsupported_cpu_message(std::string_view isa) {
  return "this binary was compiled for " + std::string(isa) + " but this CPU (" + cpu_description() +
         ") does not support it; recompile with resnetc compile --target " +
         (isa == "avx512vnni" ? "avx512 (or avx2, generic)"
          : isa == "avx512"   ? "avx2 (or generic)"
                              : "generic");
}

int require_cpu(const char* program, const char* isa) {
  if (cpu_supports(isa)) return 0;
  std::fprintf(stderr, "%s: error: %s\n", program, unsupported_cpu_message(isa).c_str());
  return 1;
}

std::string cpu_description() {
  std::string brand = brand_string();
  return brand.empty() ? "unknown CPU" : brand;
}

}  // namespace rnc::rt
