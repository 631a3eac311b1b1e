// Exact int8 Winograd F(2x2, 3x3) (runtime/kernels/qwinograd.hpp) against the direct int8 kernel
// (qconv_blocked) on ResNet-18's stride-1 3x3 layers at batch 1, one thread. Built on request
// (bench/CMakeLists.txt) for this machine:
//   cmake --build build --target bench_qwinograd && build/bench/bench_qwinograd [name-substring...]
// Random u8 inputs and residuals, s8 weights in [-127, 127], random biases and multipliers; the
// Winograd output must equal qconv_blocked's byte for byte (else the program exits with 1).
// Prints the measured `vpdpbusd` and `vpdpwssd` peaks of one thread, then per layer the median
// and best time of both kernels, the ratio winograd / direct (medians), and the Winograd phases
// timed alone (input transform, GEMMs with their % of the vpdpwssd peak, output transform).
// BENCH_SECONDS=s runs each layer for s seconds; BENCH_COLD=1 evicts the caches before every call,
// BENCH_COLD=weights too but then reads the input, the residual and the Winograd scratch again (what
// a layer in a network sees: activations and scratch just used by its neighbours, weights not used
// since the last image), BENCH_COLD=l3 the same with weights evicted from L2 only (4 MB of other data).
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "cpu_features.hpp"
#include "kernels/peak.hpp"
#include "kernels/qconv.hpp"
#include "kernels/qwinograd.hpp"
#include "bench_support.hpp"

#if !defined(RNC_QWINOGRAD_KERNEL)
#error "bench_qwinograd needs AVX-512 VNNI (build with -march=native on such a CPU)"
#endif

using namespace rnc::kern;

namespace {

// GOP/s of one thread (2 ops per multiply-add) of 16 independent `vpdpwssd` chains (32
// multiply-adds each), best of 10 (the machine is shared), as measure_peak_int8_gops does for
// `vpdpbusd` (best of 3, taken here as the best of 4 calls).
double measure_peak_dpwssd_gops() {
  constexpr int kChains = 16, kIterations = 200000;
  double best = 0;
  for (int trial = 0; trial < 10; ++trial) {
    __m512i acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(c);
    const __m512i x = _mm512_set1_epi32(0x00030004), w = _mm512_set1_epi32(0x0005fff9);
    const auto step = [&]<std::size_t... C>(std::index_sequence<C...>) {
      ((acc[C] = _mm512_dpwssd_epi32(acc[C], x, w)), ...);
    };
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kIterations; ++i) step(std::make_index_sequence<kChains>{});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    alignas(64) std::int32_t lanes_out[16];
    std::uint32_t sink = 0;
    for (const __m512i& v : acc) {
      _mm512_store_si512(lanes_out, v);
      for (std::int32_t l : lanes_out) sink += static_cast<std::uint32_t>(l);
    }
    volatile std::uint32_t keep = sink;  // the chains must not be optimized away
    (void)keep;
    best = std::max(best, 2.0 * 32 * kChains * kIterations / seconds / 1e9);
  }
  return best;
}

struct AlignedBuffer {
  float* p;
  std::int64_t bytes;
  explicit AlignedBuffer(std::int64_t n_bytes)
      : p(static_cast<float*>(std::aligned_alloc(64, (static_cast<std::size_t>(n_bytes) + 63) / 64 * 64))),
        bytes(n_bytes) {}
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(p); }
  std::uint8_t* u8() const { return reinterpret_cast<std::uint8_t*>(p); }
};

// Random values of the interior channels (halo and padding channels stay zero, as in a network).
void fill_activation(const Blocked& b, const AlignedBuffer& buf, std::mt19937& rng) {
  std::memset(buf.p, 0, static_cast<std::size_t>(buf.bytes));
  for (int i = 0; i < b.n; ++i)
    for (int c = 0; c < b.c; ++c)
      for (int y = 0; y < b.h; ++y)
        for (int x = 0; x < b.w; ++x)
          buf.u8()[b.at(i, c / b.lanes, y, x) + c % b.lanes] = static_cast<std::uint8_t>(rng());
}

// qconv_blocked's weight layout (codegen/pack_int8.cpp) from [oc][ic][3][3].
template <QConvCfg C>
void pack_direct(const std::vector<std::int8_t>& w, std::uint8_t* dst) {
  constexpr std::int64_t L = C.out.lanes, group = C.oc_blocks * L, icb = C.in.cb();
  std::size_t src = 0;
  for (std::int64_t oc = 0; oc < C.out.c; ++oc)
    for (std::int64_t ic = 0; ic < C.in.c; ++ic)
      for (std::int64_t tap9 = 0; tap9 < 9; ++tap9, ++src) {
        const std::int64_t tap = (oc / group * icb + ic / L) * 9 + tap9;
        dst[((tap * (L / 4) + ic % L / 4) * group + oc % group) * 4 + ic % 4] = static_cast<std::uint8_t>(w[src]);
      }
}

struct Stats {
  std::vector<double> times;
  double median() { return sorted()[times.size() / 2]; }
  double best() { return sorted().front(); }
  const std::vector<double>& sorted() {
    std::sort(times.begin(), times.end());
    return times;
  }
};

template <class F>
void time_call(Stats& s, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  s.times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

enum class Cold { kNo, kAll, kWeights, kL3 };

// Reads every line of the buffer back into the caches.
void touch(const AlignedBuffer& b) {
  std::uint8_t sum = 0;
  for (std::int64_t k = 0; k < b.bytes; k += 64) sum += b.u8()[k];
  volatile std::uint8_t keep = sum;
  (void)keep;
}

struct Peaks {
  double dpbusd, dpwssd;
};

// Returns false when the outputs differ.
template <QConvCfg D, QWinogradCfg W>
bool bench(const char* name, double min_seconds, Cold cold, Peaks peak) {
  static_assert(D.in.c == W.in.c && D.out.c == W.out.c && D.residual == W.residual && D.relu == W.relu);
  constexpr int L = D.out.lanes;
  const QConvParamsLayout params{static_cast<std::int64_t>(D.out.cb()) * L};
  AlignedBuffer in(D.in.floats()), res(D.res.floats()), wd(std::int64_t{D.out.cb()} * D.in.cb() * 9 * L * L),
      ww(qwinograd_weight_count(W.out.c, W.in.c, L) * 2), p(params.words() * 4), out_d(D.out.floats()),
      out_w(W.out.floats()), scratch(qwinograd_scratch_bytes(W));
  std::mt19937 rng(7);
  fill_activation(D.in, in, rng);
  fill_activation(D.res, res, rng);
  std::vector<std::int8_t> weights(static_cast<std::size_t>(D.out.c) * D.in.c * 9);
  for (std::int8_t& x : weights) x = static_cast<std::int8_t>(static_cast<int>(rng() % 255) - 127);
  std::memset(wd.p, 0, static_cast<std::size_t>(wd.bytes));
  pack_direct<D>(weights, wd.u8());
  pack_qwinograd_weights(weights.data(), W.out.c, W.in.c, L, W.oc_blocks, reinterpret_cast<std::int16_t*>(ww.p));
  // Multipliers that spread the sums (std ~ sqrt(9 ic) * 147 * 73) over the int8 range and saturate some.
  const double spread = 64.0 / (std::sqrt(9.0 * D.in.c) * 147 * 73);
  std::uniform_real_distribution<float> unit(0.5f, 1.5f);
  std::memset(p.p, 0, static_cast<std::size_t>(p.bytes));
  for (std::int64_t c = 0; c < D.out.c; ++c) {
    const std::int32_t bias = static_cast<std::int32_t>(rng() % 400001) - 200000;
    std::memcpy(p.p + params.bias() + c, &bias, 4);
    p.p[params.mult() + c] = static_cast<float>(spread) * unit(rng);
  }
  p.p[params.res_scale()] = 0.5f;
  std::memset(out_d.p, 0xaa, static_cast<std::size_t>(out_d.bytes));  // unwritten bytes differ
  std::memset(out_w.p, 0x55, static_cast<std::size_t>(out_w.bytes));
  const Args a{.in0 = in.p, .in1 = res.p, .w0 = wd.p, .w1 = p.p, .out = out_d.p, .scratch = nullptr};
  const Args b{.in0 = in.p, .in1 = res.p, .w0 = ww.p, .w1 = p.p, .out = out_w.p, .scratch = scratch.p};
  qconv_blocked<D>(a, 0, 1);
  qconv3x3_winograd<W>(b, 0, 1);
  std::int64_t differ = 0;
  for (std::int64_t k = 0; k < out_d.bytes; ++k) differ += out_d.u8()[k] != out_w.u8()[k];

  // The other layers of a network: 64 MB evicts L3 too, 4 MB only L2.
  static std::vector<float> junk(cold == Cold::kNo ? 0 : cold == Cold::kL3 ? 4 << 20 >> 2 : 64 << 20 >> 2);
  const auto evict = [&] {
    for (std::size_t k = 0; k < junk.size(); k += 16) junk[k] += 1.0f;
    if (cold == Cold::kWeights || cold == Cold::kL3)
      for (const AlignedBuffer* buf : {&in, &res, &scratch}) touch(*buf);
  };
  // Interleaved, so that load changes hit all of them alike.
  Stats direct, wino, input, gemm, output;
  const auto start = std::chrono::steady_clock::now();
  while (direct.times.size() < 5 ||
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < min_seconds) {
    evict();
    time_call(direct, [&] { qconv_blocked<D>(a, 0, 1); });
    evict();
    time_call(wino, [&] { qconv3x3_winograd<W>(b, 0, 1); });
    evict();
    time_call(input, [&] { qconv3x3_winograd<W, kQWinoInput>(b, 0, 1); });
    evict();
    time_call(gemm, [&] { qconv3x3_winograd<W, kQWinoGemm>(b, 0, 1); });
    evict();
    time_call(output, [&] { qconv3x3_winograd<W, kQWinoOutput>(b, 0, 1); });
  }
  const double ops = 2.0 * D.out.n * D.out.c * D.out.h * D.out.w * D.in.c * 9;
  const double gemm_ops = 2.0 * qwino::tiles(W) * qwino::kPos * W.in.cb() * L * W.out.cb() * L;
  const double dm = direct.median(), wm = wino.median(), gm = gemm.median();
  std::printf(
      "%-9s direct %7.3f (%7.3f) ms %4.0f%% | wino T%-3d R%d Q%d %7.3f (%7.3f) ms  ratio %5.3f | in %6.3f gemm %6.3f "
      "(%4.0f%% of dpwssd) out %6.3f ms  gemm/total %3.0f%%  %s\n",
      name, dm * 1e3, direct.best() * 1e3, 100 * ops / dm * 1e-9 / peak.dpbusd, W.tile_block, W.reg_tiles, W.oc_blocks,
      wm * 1e3, wino.best() * 1e3, wm / dm, input.median() * 1e3, gm * 1e3, 100 * gemm_ops / gm * 1e-9 / peak.dpwssd,
      output.median() * 1e3, 100 * gm / wm, differ == 0 ? "identical" : "DIFFERENT");
  if (differ != 0) std::printf("  %lld of %lld output bytes differ\n", static_cast<long long>(differ),
                               static_cast<long long>(out_d.bytes));
  return differ == 0;
}

}  // namespace

// Q(name, geometry, tile_block, reg_tiles, oc_blocks, residual, prefetch): direct with bench_qconv's
// tile (7 pixels x 2 blocks), Winograd with the given blocking; ReLU on, u8 residual.
#define Q(NAME, A, TB, R, NB, ADD, PF)                                                                    \
  if (bench_cli::selected(argc, argv, NAME))                                                                     \
    ok &= bench<QConvCfg{.in = A,                                                                     \
                         .out = A,                                                                    \
                         .res = A,                                                                    \
                         .kernel = 3,                                                                 \
                         .stride = 1,                                                                 \
                         .padding = 1,                                                                \
                         .ow_block = 7,                                                               \
                         .oh_block = 1,                                                               \
                         .oc_blocks = 2,                                                              \
                         .residual = ADD,                                                             \
                         .relu = true},                                                               \
                QWinogradCfg{.in = A,                                                                 \
                             .out = A,                                                                \
                             .res = A,                                                                \
                             .tile_block = TB,                                                        \
                             .reg_tiles = R,                                                          \
                             .oc_blocks = NB,                                                         \
                             .residual = ADD,                                                         \
                             .relu = true,                                                            \
                             .prefetch = PF}>(NAME, seconds, cold, peak);

// Activation geometries (batch 1, 224x224 input): [n, c, h, w, halo].
#define A56 (Blocked{1, 64, 56, 56, 1, 16})
#define A28 (Blocked{1, 128, 28, 28, 1, 16})
#define A14 (Blocked{1, 256, 14, 14, 1, 16})
#define A7 (Blocked{1, 512, 7, 7, 1, 16})

int main(int argc, char** argv) {
  const double seconds = std::getenv("BENCH_SECONDS") ? std::atof(std::getenv("BENCH_SECONDS")) : 0.5;
  const char* cold_env = std::getenv("BENCH_COLD");
  const Cold cold = cold_env == nullptr                       ? Cold::kNo
                    : std::strcmp(cold_env, "weights") == 0 ? Cold::kWeights
                    : std::strcmp(cold_env, "l3") == 0      ? Cold::kL3
                                                            : Cold::kAll;
  double dpbusd = 0;
  for (int k = 0; k < 4; ++k) dpbusd = std::max(dpbusd, measure_peak_int8_gops());
  const Peaks peak{dpbusd, measure_peak_dpwssd_gops()};
  std::printf("%s: vpdpbusd peak %.1f GOP/s, vpdpwssd peak %.1f GOP/s (one thread)%s\n",
              rnc::rt::cpu_description().c_str(), peak.dpbusd, peak.dpwssd,
              cold == Cold::kAll       ? ", cold caches"
              : cold == Cold::kWeights ? ", weights in memory"
              : cold == Cold::kL3      ? ", weights in L3"
                                       : "");
  bool ok = true;
  Q("c56", A56, 28, 7, 2, false, true)
  Q("c56-res", A56, 28, 7, 2, true, true)
  Q("c28", A28, 28, 7, 2, false, true)
  Q("c28-res", A28, 28, 7, 2, true, true)
  Q("c14", A14, 49, 7, 2, false, true)
  Q("c14-res", A14, 49, 7, 2, true, true)
  Q("c7", A7, 16, 8, 2, false, true)
  Q("c7-res", A7, 16, 8, 2, true, true)
  // Alternatives (each line is one more instantiation to compile). Without the weight prefetch
  // (weights in memory, BENCH_COLD=weights: c14 1.04x the direct time instead of 0.94x):
  Q("nopf-c56", A56, 28, 7, 2, true, false)
  Q("nopf-c28", A28, 28, 7, 2, true, false)
  Q("nopf-c14", A14, 49, 7, 2, true, false)
  Q("nopf-c7", A7, 16, 8, 2, true, false)
  // Other blockings: chunks of 14 to 56 tiles alike; 4 output blocks per tile cost 2-6% of GEMM speed.
  Q("alt-c56", A56, 56, 7, 2, true, true)
  Q("alt-c56", A56, 14, 7, 2, true, true)
  Q("alt-c28", A28, 49, 7, 2, true, true)
  Q("alt-c14", A14, 25, 5, 4, true, true)
  Q("alt-c7", A7, 16, 6, 4, true, true)
  Q("alt-c7", A7, 16, 16, 1, true, true)
  return ok ? 0 : 1;
}
