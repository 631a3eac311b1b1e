// Micro-benchmark of the direct convolution kernels on single layer configurations, to tune
// choose_conv_blocking (codegen/conv_blocking.cpp). Built on request (bench/CMakeLists.txt):
//   cmake --build build --target bench_conv && build/bench/bench_conv [name-substring...]
// The "avx2-" configurations (8 lanes, NCHW8c) run the AVX2 kernels; build with the avx2 target's
// flags so that they get its 16 registers, not 32: target bench_conv_avx2.
// Prints, per configuration, the median and best time of one call on one thread, GFLOP/s and the
// largest difference from the portable kernel relative to max |output|. BENCH_SECONDS=s runs each
// configuration for s seconds; BENCH_COLD=1 evicts the caches before every call (as in a network,
// where the other layers' weights and activations pass through the caches in between).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/conv_direct.hpp"
#include "bench_support.hpp"

using namespace rnc::kern;

namespace {

struct AlignedBuffer {
  float* p;
  explicit AlignedBuffer(std::int64_t n)
      : p(static_cast<float*>(std::aligned_alloc(64, (static_cast<std::size_t>(n) * 4 + 63) / 64 * 64))) {}
  ~AlignedBuffer() { std::free(p); }
};

void fill(float* p, std::int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (std::int64_t k = 0; k < n; ++k) p[k] = d(rng);
}

template <ConvCfg C, bool kStem>
void bench(const char* name, double min_seconds, bool cold) {
  const std::int64_t in_floats =
      kStem ? static_cast<std::int64_t>(C.in.n) * C.in.c * C.in.hp() * C.in.wp() : C.in.floats();
  constexpr int L = C.out.lanes;
  const std::int64_t w_floats = kStem ? static_cast<std::int64_t>(C.out.cb()) * C.in.c * C.kernel * C.kernel * L
                                      : static_cast<std::int64_t>(C.out.cb()) * C.in.cb() * C.kernel * C.kernel * L * L;
  AlignedBuffer in(in_floats), res(C.res.floats()), w(w_floats), bias(C.out.cb() * L), out(C.out.floats()),
      ref(C.out.floats());
  std::mt19937 rng(1);
  fill(in.p, in_floats, rng);
  fill(res.p, C.res.floats(), rng);
  fill(w.p, w_floats, rng);
  fill(bias.p, C.out.cb() * L, rng);
  const Args a{.in0 = in.p, .in1 = res.p, .w0 = w.p, .w1 = bias.p, .out = out.p, .scratch = nullptr};
  Args g = a;
  g.out = ref.p;
  auto run = [&](const Args& args) {
    if constexpr (kStem) conv_nchw_in<C>(args, 0, 1);
    else conv_blocked<C>(args, 0, 1);
  };
  if constexpr (kStem) conv_nchw_in_generic<C>(g, 0, 1);
  else conv_blocked_generic<C>(g, 0, 1);
  run(a);
  double max_ref = 0, max_diff = 0;
  for (std::int64_t k = 0; k < C.out.floats(); ++k) {
    max_ref = std::max(max_ref, std::fabs(double(ref.p[k])));
    max_diff = std::max(max_diff, std::fabs(double(ref.p[k]) - double(out.p[k])));
  }
  const double flops = 2.0 * C.out.n * C.out.c * C.out.h * C.out.w * C.in.c * C.kernel * C.kernel;
  std::vector<double> times;
  static std::vector<float> junk(cold ? 64 << 20 >> 2 : 0);  // evicts the caches, as the other layers of a network do
  const auto start = std::chrono::steady_clock::now();
  while (times.size() < 5 ||
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < min_seconds) {
    for (std::size_t k = 0; k < junk.size(); k += 16) junk[k] += 1.0f;
    const auto t0 = std::chrono::steady_clock::now();
    run(a);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2], best = times.front();
  std::printf("%-8s ow %2d oh %d ocb %d ch %2d  median %8.3f ms %6.1f GFLOP/s  min %8.3f ms %6.1f GFLOP/s  diff %.1e\n",
              name, C.ow_block, C.oh_block, C.oc_blocks, C.ic_chunk, median * 1e3, flops / median * 1e-9, best * 1e3,
              flops / best * 1e-9, max_diff / max_ref);
}

}  // namespace

// B(name, stem?, in, out, res, kernel, stride, padding, ow, oh, ocb, ic_chunk, residual, relu)
#define B(NAME, STEM, IN, OUT, RES, K, S, P, OW, OH, NB, CH, ADD, RELU) \
  if (bench_cli::selected(argc, argv, NAME))                                       \
    bench<ConvCfg{.in = IN,                                             \
                  .out = OUT,                                           \
                  .res = RES,                                           \
                  .kernel = K,                                          \
                  .stride = S,                                          \
                  .padding = P,                                         \
                  .ow_block = OW,                                       \
                  .oh_block = OH,                                       \
                  .oc_blocks = NB,                                      \
                  .ic_chunk = CH,                                       \
                  .residual = ADD,                                      \
                  .relu = RELU},                                        \
          STEM>(NAME, seconds, cold);

// Activation geometries of the seed network (1x1x224x224): [n, c, h, w, halo].
#define STEM_IN (Blocked{1, 1, 224, 224, 3})
#define STEM_OUT (Blocked{1, 64, 112, 112, 1})
#define A56 (Blocked{1, 64, 56, 56, 1})
#define A28 (Blocked{1, 128, 28, 28, 1})
#define A14 (Blocked{1, 256, 14, 14, 1})
#define A7 (Blocked{1, 512, 7, 7, 1})
#define P28 (Blocked{1, 128, 28, 28, 0})
#define P14 (Blocked{1, 256, 14, 14, 0})
#define P7 (Blocked{1, 512, 7, 7, 0})
// ... in NCHW8c (the avx2 target).
#define STEM_OUT8 (Blocked{1, 64, 112, 112, 1, 8})
#define A56_8 (Blocked{1, 64, 56, 56, 1, 8})
#define A28_8 (Blocked{1, 128, 28, 28, 1, 8})
#define A14_8 (Blocked{1, 256, 14, 14, 1, 8})
#define A7_8 (Blocked{1, 512, 7, 7, 1, 8})
#define P7_8 (Blocked{1, 512, 7, 7, 0, 8})

int main(int argc, char** argv) {
  const double seconds = std::getenv("BENCH_SECONDS") ? std::atof(std::getenv("BENCH_SECONDS")) : 0.5;
  const bool cold = std::getenv("BENCH_COLD") != nullptr;  // evict the caches before every run
  // The seed's direct layers with the blocking choose_conv_blocking picks (7 px x 2 blocks;
  // passes of ic_chunk input blocks for weights over 64 KiB) ...
  B("stem", true, STEM_IN, STEM_OUT, STEM_OUT, 7, 2, 3, 7, 1, 2, 0, false, true)
  B("c56", false, A56, A56, A56, 3, 1, 1, 7, 1, 2, 0, true, true)
  B("c28", false, A28, A28, A28, 3, 1, 1, 7, 1, 2, 1, true, true)
  B("c14", false, A14, A14, A14, 3, 1, 1, 7, 1, 2, 1, true, true)
  B("c7", false, A7, A7, A7, 3, 1, 1, 7, 1, 2, 1, true, true)
  B("s28", false, A56, A28, A28, 3, 2, 1, 7, 1, 2, 1, false, true)
  B("s14", false, A28, A14, A14, 3, 2, 1, 7, 1, 2, 1, false, true)
  B("s7", false, A14, A7, A7, 3, 2, 1, 7, 1, 2, 1, false, true)
  B("p28", false, A56, P28, P28, 1, 2, 0, 7, 1, 2, 0, false, false)
  B("p14", false, A28, P14, P14, 1, 2, 0, 7, 1, 2, 4, false, false)
  B("p7", false, A14, P7, P7, 1, 2, 0, 7, 1, 2, 8, false, false)
  // ... and alternatives (edit freely: each line is one more instantiation to compile).
  B("alt-stem", true, STEM_IN, STEM_OUT, STEM_OUT, 7, 2, 3, 28, 1, 1, 0, false, true)
  B("alt-c56", false, A56, A56, A56, 3, 1, 1, 14, 1, 2, 0, true, true)
  B("alt-c56", false, A56, A56, A56, 3, 1, 1, 28, 1, 1, 0, true, true)
  B("alt-c28", false, A28, A28, A28, 3, 1, 1, 14, 1, 2, 0, true, true)
  B("alt-c28", false, A28, A28, A28, 3, 1, 1, 7, 1, 2, 0, true, true)
  B("alt-p7", false, A14, P7, P7, 1, 2, 0, 7, 1, 2, 0, false, false)
  B("alt-c14", false, A14, A14, A14, 3, 1, 1, 7, 1, 2, 0, true, true)
  B("alt-c14", false, A14, A14, A14, 3, 1, 1, 14, 1, 2, 1, true, true)
  B("alt-c7", false, A7, A7, A7, 3, 1, 1, 7, 1, 2, 0, true, true)
  B("alt-c7", false, A7, A7, A7, 3, 1, 1, 7, 1, 4, 1, true, true)
  // 8 lanes within 16 ymm registers (accumulators + weight vectors + 1 broadcast <= 16).
  B("avx2-stem", true, STEM_IN, STEM_OUT8, STEM_OUT8, 7, 2, 3, 14, 1, 1, 0, false, true)
  B("avx2-stem", true, STEM_IN, STEM_OUT8, STEM_OUT8, 7, 2, 3, 4, 1, 2, 0, false, true)
  B("avx2-s28", false, A56_8, A28_8, A28_8, 3, 2, 1, 14, 1, 1, 4, false, true)
  B("avx2-s28", false, A56_8, A28_8, A28_8, 3, 2, 1, 4, 1, 2, 4, false, true)
  B("avx2-c56", false, A56_8, A56_8, A56_8, 3, 1, 1, 14, 1, 1, 0, true, true)
  B("avx2-c56", false, A56_8, A56_8, A56_8, 3, 1, 1, 4, 1, 2, 0, true, true)
  B("avx2-c56", false, A56_8, A56_8, A56_8, 3, 1, 1, 8, 1, 1, 0, true, true)
  B("avx2-c56", false, A56_8, A56_8, A56_8, 3, 1, 1, 2, 1, 4, 0, true, true)
  B("avx2-c56", false, A56_8, A56_8, A56_8, 3, 1, 1, 4, 2, 1, 0, true, true)
  B("avx2-s14", false, A28_8, A14_8, A14_8, 3, 2, 1, 14, 1, 1, 8, false, true)
  B("avx2-s14", false, A28_8, A14_8, A14_8, 3, 2, 1, 7, 1, 1, 8, false, true)
  B("avx2-s14", false, A28_8, A14_8, A14_8, 3, 2, 1, 2, 1, 4, 8, false, true)
  B("avx2-s14", false, A28_8, A14_8, A14_8, 3, 2, 1, 1, 7, 2, 8, false, true)
  B("avx2-c14", false, A14_8, A14_8, A14_8, 3, 1, 1, 14, 1, 1, 4, true, true)
  B("avx2-c7", false, A7_8, A7_8, A7_8, 3, 1, 1, 7, 1, 1, 4, true, true)
  B("avx2-c7", false, A7_8, A7_8, A7_8, 3, 1, 1, 7, 1, 2, 4, true, true)
  B("avx2-c7", false, A7_8, A7_8, A7_8, 3, 1, 1, 1, 1, 8, 4, true, true)
  B("avx2-s7", false, A14_8, A7_8, A7_8, 3, 2, 1, 7, 1, 1, 4, false, true)
  B("avx2-s7", false, A14_8, A7_8, A7_8, 3, 2, 1, 7, 1, 2, 4, false, true)
}
