// Micro-benchmark of the int8 convolution kernel (qconv_blocked, runtime/kernels/qconv.hpp) on
// the 3x3 and 1x1 layers of ResNet-18/50, to tune its register blocking. Built on request
// (bench/CMakeLists.txt) for this machine:
//   cmake --build build --target bench_qconv && build/bench/bench_qconv [name-substring...]
// Prints the CPU, the measured int8 peak of one thread (measure_peak_int8_gops: independent
// chains of the kernel's multiply instructions), then per configuration the median and best time
// of one call on one thread, GOP/s (2 ops per multiply-add) and % of that peak at the median, and
// whether the output equals the portable kernel's. BENCH_SECONDS=s runs each configuration for s seconds;
// BENCH_COLD=1 evicts the caches before every call.
//
// bench_qconv_avx2 (built with the avx2 target's flags, -mavx2 -mfma: 16 ymm registers) runs the
// same layers in NCHW8c with the AVX2 kernel (qconv_avx2.hpp) and its tiles; its peak is that of
// the kernel's instructions on ymm: `vpmaddubsw` + `vpmaddwd` + `vpaddd` chains (32 multiply-adds
// per triple), or ymm `vpdpbusd` chains when built with AVX-VNNI or AVX-512 VNNI + VL
// (bench_qconv_avx2vnni: -mavx512vl -mavx512vnni, which this Zen 4 has). Its weights are random
// 7-bit values, as the avx2 target quantizes them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "cpu_features.hpp"
#include "kernels/peak.hpp"
#include "kernels/qconv.hpp"
#include "bench_support.hpp"

using namespace rnc::kern;

#if !(defined(__AVX512F__) && defined(__AVX512BW__)) || defined(RNC_BENCH_YMM)
#define RNC_BENCH_LANES 8
#else
#define RNC_BENCH_LANES 16
#endif

namespace {

#if RNC_BENCH_LANES == 8 && defined(RNC_QYMM_VNNI)
// GOP/s of one thread (2 ops per multiply-add) of ymm `vpdpbusd` (measure_peak_int8_gops of
// peak.hpp would time zmm in this AVX-512 build): 10 independent chains, best of 3. Named
// variables, not an array: GCC spills an array of 12 chains every iteration, and the empty asm
// keeps the chains in registers.
double measure_peak_dpbusd_ymm() {
  constexpr int kIterations = 400000;
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    __m256i a0 = _mm256_set1_epi32(0), a1 = _mm256_set1_epi32(1), a2 = _mm256_set1_epi32(2), a3 = _mm256_set1_epi32(3),
            a4 = _mm256_set1_epi32(4), a5 = _mm256_set1_epi32(5), a6 = _mm256_set1_epi32(6), a7 = _mm256_set1_epi32(7),
            a8 = _mm256_set1_epi32(8), a9 = _mm256_set1_epi32(9);
    const __m256i x = _mm256_set1_epi32(0x01020304), w = _mm256_set1_epi32(0x05fa07f9);
    const auto start = std::chrono::steady_clock::now();
#define RNC_CHAIN(A) A = QYmm::dpbusd(A, x, w)
    for (int i = 0; i < kIterations; ++i) {
      RNC_CHAIN(a0), RNC_CHAIN(a1), RNC_CHAIN(a2), RNC_CHAIN(a3), RNC_CHAIN(a4);
      RNC_CHAIN(a5), RNC_CHAIN(a6), RNC_CHAIN(a7), RNC_CHAIN(a8), RNC_CHAIN(a9);
      asm("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9));
    }
#undef RNC_CHAIN
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    alignas(32) std::int32_t lanes_out[8];
    std::uint32_t sink = 0;
    for (const __m256i& v : {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9}) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(lanes_out), v);
      for (std::int32_t l : lanes_out) sink += static_cast<std::uint32_t>(l);
    }
    volatile std::uint32_t keep = sink;
    (void)keep;
    best = std::max(best, 2.0 * 32 * 10 * kIterations / seconds / 1e9);
  }
  return best;
}
#endif

struct AlignedBuffer {
  float* p;
  std::int64_t bytes;
  explicit AlignedBuffer(std::int64_t n_bytes)
      : p(static_cast<float*>(std::aligned_alloc(64, (static_cast<std::size_t>(n_bytes) + 63) / 64 * 64))),
        bytes(n_bytes) {}
  ~AlignedBuffer() { std::free(p); }
  std::uint8_t* u8() const { return reinterpret_cast<std::uint8_t*>(p); }
};

// Random bytes (u8 activations: any byte is a valid value).
void fill_bytes(const AlignedBuffer& b, std::mt19937& rng) {
  for (std::int64_t k = 0; k < b.bytes; ++k) b.u8()[k] = static_cast<std::uint8_t>(rng());
}

// Random s8 weights in [-63, 63]: what targets without VNNI quantize to, valid for every kernel.
void fill_weights(const AlignedBuffer& b, std::mt19937& rng) {
  for (std::int64_t k = 0; k < b.bytes; ++k) b.u8()[k] = static_cast<std::uint8_t>(static_cast<int>(rng() % 127) - 63);
}

template <QConvCfg C>
void bench(const char* name, double min_seconds, bool cold, double peak) {
  constexpr int L = C.out.lanes;
  const std::int64_t w_bytes = static_cast<std::int64_t>(C.out.cb()) * C.in.cb() * C.kernel * C.kernel * L * L;
  const QConvParamsLayout params{static_cast<std::int64_t>(C.out.cb()) * L};
  AlignedBuffer in(C.in.floats()), res(C.res.floats()), w(w_bytes), p(params.words() * 4), out(C.out.floats()),
      ref(C.out.floats());
  std::mt19937 rng(1);
  fill_bytes(in, rng);
  fill_bytes(res, rng);
  fill_weights(w, rng);
  // Parameters as the packer writes them: bias within the accumulator range, multipliers that
  // spread the outputs over the int8 range.
  for (std::int64_t c = 0; c < params.channels; ++c) {
    const std::int32_t bias = static_cast<std::int32_t>(rng() % 200001) - 100000;
    std::memcpy(p.p + params.bias() + c, &bias, 4);
    p.p[params.mult() + c] = 2e-4f;
  }
  p.p[params.res_scale()] = 0.5f;
  const Args a{.in0 = in.p, .in1 = res.p, .w0 = w.p, .w1 = p.p, .out = out.p, .scratch = nullptr};
  Args g = a;
  g.out = ref.p;
  qconv_blocked_generic<C>(g, 0, 1);
  qconv_blocked<C>(a, 0, 1);
  const bool same = std::memcmp(out.p, ref.p, static_cast<std::size_t>(C.out.floats())) == 0;
  const double ops = 2.0 * C.out.n * C.out.c * C.out.h * C.out.w * C.in.c * C.kernel * C.kernel;
  std::vector<double> times;
  static std::vector<float> junk(cold ? 64 << 20 >> 2 : 0);  // evicts the caches, as the other layers of a network do
  const auto start = std::chrono::steady_clock::now();
  while (times.size() < 5 ||
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < min_seconds) {
    for (std::size_t k = 0; k < junk.size(); k += 16) junk[k] += 1.0f;
    const auto t0 = std::chrono::steady_clock::now();
    qconv_blocked<C>(a, 0, 1);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2], best = times.front();
  std::printf("%-8s ow %2d oh %d ocb %d  median %8.3f ms %6.1f GOP/s %5.1f%%  min %8.3f ms %6.1f GOP/s  %s\n", name,
              C.ow_block, C.oh_block, C.oc_blocks, median * 1e3, ops / median * 1e-9, 100 * ops / median * 1e-9 / peak,
              best * 1e3, ops / best * 1e-9, same ? "= portable" : "DIFFERS FROM PORTABLE");
}

}  // namespace

// B(name, in, out, kernel, stride, padding, ow, oh, ocb, residual, relu); the residual is u8.
#define B(NAME, IN, OUT, K, S, P, OW, OH, NB, ADD, RELU) \
  if (bench_cli::selected(argc, argv, NAME))                        \
    bench<QConvCfg{.in = IN,                             \
                   .out = OUT,                           \
                   .res = OUT,                           \
                   .kernel = K,                          \
                   .stride = S,                          \
                   .padding = P,                         \
                   .ow_block = OW,                       \
                   .oh_block = OH,                       \
                   .oc_blocks = NB,                      \
                   .residual = ADD,                      \
                   .relu = RELU}>(NAME, seconds, cold, peak);

// Activation geometries (batch 1, 224x224 input): [n, c, h, w, halo].
#define A56 (Blocked{1, 64, 56, 56, 1, RNC_BENCH_LANES})
#define A28 (Blocked{1, 128, 28, 28, 1, RNC_BENCH_LANES})
#define A14 (Blocked{1, 256, 14, 14, 1, RNC_BENCH_LANES})
#define A7 (Blocked{1, 512, 7, 7, 1, RNC_BENCH_LANES})
#define A18 (Blocked{1, 64, 18, 18, 1, RNC_BENCH_LANES})
#define A20 (Blocked{1, 64, 20, 20, 1, RNC_BENCH_LANES})
#define A24 (Blocked{1, 64, 24, 24, 1, RNC_BENCH_LANES})
#define P28 (Blocked{1, 128, 28, 28, 0, RNC_BENCH_LANES})
#define P14 (Blocked{1, 256, 14, 14, 0, RNC_BENCH_LANES})
#define P7 (Blocked{1, 512, 7, 7, 0, RNC_BENCH_LANES})
// ResNet-50 bottlenecks: 1x1 reduce (4c -> c), 3x3 (c -> c), 1x1 expand (c -> 4c).
#define B56_256 (Blocked{1, 256, 56, 56, 0, RNC_BENCH_LANES})
#define B56_64 (Blocked{1, 64, 56, 56, 0, RNC_BENCH_LANES})
#define B28_512 (Blocked{1, 512, 28, 28, 0, RNC_BENCH_LANES})
#define B28_128 (Blocked{1, 128, 28, 28, 0, RNC_BENCH_LANES})
#define B14_1024 (Blocked{1, 1024, 14, 14, 0, RNC_BENCH_LANES})
#define B14_256 (Blocked{1, 256, 14, 14, 0, RNC_BENCH_LANES})
#define B7_2048 (Blocked{1, 2048, 7, 7, 0, RNC_BENCH_LANES})
#define B7_512 (Blocked{1, 512, 7, 7, 0, RNC_BENCH_LANES})

int main(int argc, char** argv) {
  const double seconds = std::getenv("BENCH_SECONDS") ? std::atof(std::getenv("BENCH_SECONDS")) : 0.5;
  const bool cold = std::getenv("BENCH_COLD") != nullptr;  // evict the caches before every run
#if RNC_BENCH_LANES == 8 && defined(__AVX2__)
#if defined(RNC_QYMM_VNNI)
  const double peak = measure_peak_dpbusd_ymm(), fma = measure_peak_gflops();
#else
  const double peak = measure_peak_int8_gops(), fma = measure_peak_gflops();  // ymm: vpmaddubsw chains
#endif
  std::printf(
      "%s: ymm %s peak %.1f GOP/s (one thread), %.2fx the FMA peak %.1f GFLOP/s\n", rnc::rt::cpu_description().c_str(),
      kQAvx2Kernels ? (std::is_same_v<YmmDot, YmmMaddubsDot> ? "vpmaddubsw" : "vpdpbusd") : "?", peak, peak / fma, fma);
  // NCHW8c, tiles within 16 ymm registers (codegen/qconv_blocking.cpp).
  B("c56", A56, A56, 3, 1, 1, 4, 1, 2, true, true)
  B("c28", A28, A28, 3, 1, 1, 4, 1, 2, true, true)
  B("c14", A14, A14, 3, 1, 1, 2, 2, 2, true, true)
  B("c7", A7, A7, 3, 1, 1, 7, 1, 1, true, true)
  B("s28", A56, A28, 3, 2, 1, 4, 1, 2, false, true)
  B("s14", A28, A14, 3, 2, 1, 2, 2, 2, false, true)
  B("s7", A14, A7, 3, 2, 1, 7, 1, 1, false, true)
  B("p28", A56, P28, 1, 2, 0, 4, 1, 2, false, false)
  B("p14", A28, P14, 1, 2, 0, 2, 2, 2, false, false)
  B("p7", A14, P7, 1, 2, 0, 7, 1, 1, false, false)
  B("r56", B56_256, B56_64, 1, 1, 0, 4, 1, 2, false, true)
  B("e56", B56_64, B56_256, 1, 1, 0, 4, 1, 2, true, true)
  B("r28", B28_512, B28_128, 1, 1, 0, 4, 1, 2, false, true)
  B("e28", B28_128, B28_512, 1, 1, 0, 4, 1, 2, true, true)
  B("r14", B14_1024, B14_256, 1, 1, 0, 2, 2, 2, false, true)
  B("e14", B14_256, B14_1024, 1, 1, 0, 2, 2, 2, true, true)
  B("r7", B7_2048, B7_512, 1, 1, 0, 7, 1, 1, false, true)
  B("e7", B7_512, B7_2048, 1, 1, 0, 7, 1, 1, true, true)
  // Alternatives (accumulators + blocks + input + product + ones <= 16 with vpmaddubsw).
  B("alt-c56", A56, A56, 3, 1, 1, 8, 1, 1, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 2, 2, 2, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 4, 2, 1, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 2, 1, 4, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 2, 4, 1, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 1, 4, 2, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 7, 1, 1, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 4, 1, 1, true, true)
  B("alt-c28", A28, A28, 3, 1, 1, 7, 1, 1, true, true)
  B("alt-c28", A28, A28, 3, 1, 1, 2, 2, 2, true, true)
  B("alt-c28", A28, A28, 3, 1, 1, 2, 1, 4, true, true)
  B("alt-c14", A14, A14, 3, 1, 1, 7, 1, 1, true, true)
  B("alt-c14", A14, A14, 3, 1, 1, 2, 1, 4, true, true)
  B("alt-c14", A14, A14, 3, 1, 1, 1, 7, 1, true, true)
  B("alt-s14", A28, A14, 3, 2, 1, 2, 1, 4, false, true)
  B("alt-r14", B14_1024, B14_256, 1, 1, 0, 2, 1, 4, false, true)
  B("alt-e14", B14_256, B14_1024, 1, 1, 0, 2, 1, 4, true, true)
  B("alt-p14", A28, P14, 1, 2, 0, 2, 1, 4, false, false)
  B("alt-c7", A7, A7, 3, 1, 1, 1, 7, 1, true, true)
  B("alt-c7", A7, A7, 3, 1, 1, 1, 1, 4, true, true)
  B("alt-r56", B56_256, B56_64, 1, 1, 0, 8, 1, 1, false, true)
  B("alt-r56", B56_256, B56_64, 1, 1, 0, 2, 1, 4, false, true)
  B("alt-r56", B56_256, B56_64, 1, 1, 0, 2, 2, 2, false, true)
  B("alt-e56", B56_64, B56_256, 1, 1, 0, 8, 1, 1, true, true)
  B("alt-e56", B56_64, B56_256, 1, 1, 0, 2, 1, 4, true, true)
  B("alt-e56", B56_64, B56_256, 1, 1, 0, 2, 2, 2, true, true)
#else
  const double peak = measure_peak_int8_gops(), fma = measure_peak_gflops();
  std::printf("%s: int8 peak %.1f GOP/s (one thread), %.2fx the FMA peak %.1f GFLOP/s\n",
              rnc::rt::cpu_description().c_str(), peak, peak / fma, fma);
  // ResNet-18: 3x3 stride 1 (with the block's residual), 3x3 stride 2, 1x1 stride 2 projections.
  B("c56", A56, A56, 3, 1, 1, 7, 1, 2, true, true)
  B("c28", A28, A28, 3, 1, 1, 7, 1, 2, true, true)
  B("c14", A14, A14, 3, 1, 1, 7, 1, 2, true, true)
  B("c7", A7, A7, 3, 1, 1, 7, 1, 2, true, true)
  B("s28", A56, A28, 3, 2, 1, 7, 1, 2, false, true)
  B("s14", A28, A14, 3, 2, 1, 7, 1, 2, false, true)
  B("s7", A14, A7, 3, 2, 1, 7, 1, 2, false, true)
  B("p28", A56, P28, 1, 2, 0, 7, 1, 2, false, false)
  B("p14", A28, P14, 1, 2, 0, 7, 1, 2, false, false)
  B("p7", A14, P7, 1, 2, 0, 7, 1, 2, false, false)
  // ResNet-50: 1x1 reduce and expand (with residual) of each stage.
  B("r56", B56_256, B56_64, 1, 1, 0, 7, 1, 2, false, true)
  B("e56", B56_64, B56_256, 1, 1, 0, 7, 1, 2, true, true)
  B("r28", B28_512, B28_128, 1, 1, 0, 7, 1, 2, false, true)
  B("e28", B28_128, B28_512, 1, 1, 0, 7, 1, 2, true, true)
  B("r14", B14_1024, B14_256, 1, 1, 0, 7, 1, 2, false, true)
  B("e14", B14_256, B14_1024, 1, 1, 0, 7, 1, 2, true, true)
  B("r7", B7_2048, B7_512, 1, 1, 0, 7, 1, 2, false, true)
  B("e7", B7_512, B7_2048, 1, 1, 0, 7, 1, 2, true, true)
  // Alternatives (edit freely: each line is one more instantiation to compile).
  B("alt-c56", A56, A56, 3, 1, 1, 14, 1, 2, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 8, 1, 2, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 28, 1, 1, true, true)
  B("alt-c56", A56, A56, 3, 1, 1, 7, 1, 4, true, true)
  B("alt-c28", A28, A28, 3, 1, 1, 14, 1, 2, true, true)
  B("alt-c28", A28, A28, 3, 1, 1, 7, 1, 4, true, true)
  B("alt-c14", A14, A14, 3, 1, 1, 14, 1, 2, true, true)
  B("alt-c14", A14, A14, 3, 1, 1, 7, 1, 4, true, true)
  B("alt-c7", A7, A7, 3, 1, 1, 7, 1, 4, true, true)
  B("alt-c7", A7, A7, 3, 1, 1, 7, 1, 1, true, true)
  B("alt-r56", B56_256, B56_64, 1, 1, 0, 7, 1, 4, false, true)
  // Accumulators per tile (register pressure: vpdpbusd accumulates in place).
  B("acc-12", A24, A24, 3, 1, 1, 6, 1, 2, true, true)
  B("acc-16", A24, A24, 3, 1, 1, 8, 1, 2, true, true)
  B("acc-16", A24, A24, 3, 1, 1, 4, 1, 4, true, true)
  B("acc-18", A18, A18, 3, 1, 1, 9, 1, 2, true, true)
  B("acc-18", A18, A18, 3, 1, 1, 18, 1, 1, true, true)
  B("acc-20", A20, A20, 3, 1, 1, 10, 1, 2, true, true)
  B("acc-24", A24, A24, 3, 1, 1, 12, 1, 2, true, true)
  B("acc-24", A24, A24, 3, 1, 1, 24, 1, 1, true, true)
  B("alt-e56", B56_64, B56_256, 1, 1, 0, 7, 1, 4, true, true)
#endif
}
