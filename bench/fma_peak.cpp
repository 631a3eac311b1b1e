// fma_peak: the machine's measured fp32 FMA peak, the yardstick of tools/bench.py (which builds it).
//
// Each thread runs independent FMA chains that live in registers (24 zmm accumulators with
// AVX-512, 12 ymm with AVX2/FMA): enough chains to hide the FMA latency on every current x86
// core, no loads or stores in the loop. One FMA on a W-lane vector counts as 2*W FLOP.
// The number is what this machine delivers now (clock, VM, neighbours), not a datasheet peak.
//
// Build: g++ -O2 -march=native [-mavx512f] -pthread bench/fma_peak.cpp -o fma_peak
// Usage: fma_peak [--threads 1,2] [--trials 5] [--ms 200]
// Prints one line per thread count, then one JSON line last:
//   {"isa": "avx512", "lanes": 16, "accumulators": 24, "results": [{"threads": 1, "gflops": ...,
//    "cpu_share": ..., "trials": [...]}, ...]}
// cpu_share is the CPU time the threads got over threads x wall time (median of the trials):
// well below 1 means other processes took the cores and the peak is underestimated.
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

#if defined(__AVX512F__)
constexpr const char* kIsa = "avx512";
constexpr int kLanes = 16;
constexpr int kAccumulators = 24;
using Vec = __m512;
inline Vec vset(float x) { return _mm512_set1_ps(x); }
inline Vec vfma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
inline Vec vadd(Vec a, Vec b) { return _mm512_add_ps(a, b); }
inline float vsum(Vec a) {
  alignas(64) float v[16];
  _mm512_store_ps(v, a);
  float s = 0;
  for (float x : v) s += x;
  return s;
}
#elif defined(__AVX2__) && defined(__FMA__)
constexpr const char* kIsa = "avx2";
constexpr int kLanes = 8;
constexpr int kAccumulators = 12;
using Vec = __m256;
inline Vec vset(float x) { return _mm256_set1_ps(x); }
inline Vec vfma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
inline Vec vadd(Vec a, Vec b) { return _mm256_add_ps(a, b); }
inline float vsum(Vec a) {
  alignas(32) float v[8];
  _mm256_store_ps(v, a);
  float s = 0;
  for (float x : v) s += x;
  return s;
}
#else
#error "fma_peak needs AVX-512F or AVX2+FMA (compile with -march=native on an x86-64 CPU that has them)"
#endif

constexpr int kUnroll = 4;  // FMA rounds per loop iteration

// `iterations` * kUnroll * kAccumulators FMAs. acc = acc * a + b converges to b / (1 - a) = 1, so
// the values stay normal (no denormal slowdowns) and the chains cannot be folded away: the
// compiler sees `a` and `b` only through volatile loads.
float fma_chains(std::int64_t iterations, float a_value, float b_value) {
  const Vec a = vset(a_value), b = vset(b_value);
  Vec acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = vset(static_cast<float>(i) * 1e-3f);
  for (std::int64_t it = 0; it < iterations; ++it) {
    for (int u = 0; u < kUnroll; ++u) {
#pragma GCC unroll 24
      for (int i = 0; i < kAccumulators; ++i) acc[i] = vfma(acc[i], a, b);
    }
  }
  Vec total = acc[0];
  for (int i = 1; i < kAccumulators; ++i) total = vadd(total, acc[i]);
  return vsum(total);
}

double flops_of(std::int64_t iterations) {
  return 2.0 * kLanes * kAccumulators * kUnroll * static_cast<double>(iterations);
}

volatile float g_a = 0.999999f, g_b = 1e-6f;
std::atomic<float> g_sink{0};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Measurement {
  double gflops;
  double cpu_share;  // CPU time the threads got / (threads * wall time): < 1 when preempted
};

// `threads` threads each running `iterations`, wall clock from a common start.
Measurement measure(int threads, std::int64_t iterations) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> cpu(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const float a = g_a, b = g_b;
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      const double cpu_start = thread_cpu_seconds();
      const float r = fma_chains(iterations, a, b);
      cpu[static_cast<std::size_t>(t)] = thread_cpu_seconds() - cpu_start;
      g_sink.store(g_sink.load() + r);
    });
  }
  while (ready.load() < threads) {
  }
  const auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& th : pool) th.join();
  const double seconds = seconds_since(start);
  double cpu_total = 0;
  for (double c : cpu) cpu_total += c;
  return {flops_of(iterations) * threads / seconds / 1e9, cpu_total / (threads * seconds)};
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Iterations for about `ms` milliseconds of one thread.
std::int64_t calibrate(double ms) {
  std::int64_t iterations = 1 << 14;
  while (true) {
    const auto start = std::chrono::steady_clock::now();
    g_sink.store(g_sink.load() + fma_chains(iterations, g_a, g_b));
    const double s = seconds_since(start);
    if (s >= 0.02 || iterations > (std::int64_t{1} << 40)) {
      return std::max<std::int64_t>(1, static_cast<std::int64_t>(iterations * (ms / 1e3) / s));
    }
    iterations *= 4;
  }
}

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "fma_peak: error: %s\nUsage: fma_peak [--threads 1,2] [--trials 5] [--ms 200]\n",
               message.c_str());
  std::exit(2);
}

int parse_int(const char* text, const char* option, int min, int max) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < min || v > max) {
    usage_error(std::string("option ") + option + " expects an integer in [" + std::to_string(min) + ", " +
                std::to_string(max) + "], got '" + text + "'");
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts = {1, 2};
  int trials = 5, ms = 200;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::printf(
          "Usage: fma_peak [--threads 1,2] [--trials 5] [--ms 200]\n"
          "Measures the fp32 FMA peak (%s, %d accumulators) per thread count: median of the trials.\n",
          kIsa, kAccumulators);
      return 0;
    }
    if (i + 1 >= argc) usage_error("option " + arg + " needs a value");
    const char* value = argv[++i];
    if (arg == "--threads") {
      thread_counts.clear();
      std::string list = value;
      std::size_t start = 0;
      while (true) {
        const std::size_t comma = list.find(',', start);
        const std::string item = list.substr(start, comma - start);
        thread_counts.push_back(parse_int(item.c_str(), "--threads", 1, 1024));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (arg == "--trials") {
      trials = parse_int(value, "--trials", 1, 1000);
    } else if (arg == "--ms") {
      ms = parse_int(value, "--ms", 1, 60000);
    } else {
      usage_error("unknown option '" + arg + "'");
    }
  }

  const std::int64_t iterations = calibrate(ms);
  std::string json = std::string("{\"isa\": \"") + kIsa + "\", \"lanes\": " + std::to_string(kLanes) +
                     ", \"accumulators\": " + std::to_string(kAccumulators) + ", \"results\": [";
  for (std::size_t k = 0; k < thread_counts.size(); ++k) {
    const int threads = thread_counts[k];
    measure(threads, std::max<std::int64_t>(1, iterations / 10));  // warm-up: clocks, thread start
    std::vector<double> gflops, shares;
    for (int t = 0; t < trials; ++t) {
      const Measurement m = measure(threads, iterations);
      gflops.push_back(m.gflops);
      shares.push_back(m.cpu_share);
    }
    const double median = median_of(gflops), share = median_of(shares);
    std::printf(
        "fma_peak: %s, %d thread(s): median %.1f GFLOP/s (min %.1f, max %.1f, %d trials), "
        "CPU share %.2f\n",
        kIsa, threads, median, *std::min_element(gflops.begin(), gflops.end()),
        *std::max_element(gflops.begin(), gflops.end()), trials, share);
    json += std::string(k ? ", " : "") + "{\"threads\": " + std::to_string(threads) +
            ", \"gflops\": " + std::to_string(median) + ", \"cpu_share\": " + std::to_string(share) + ", \"trials\": [";
    for (std::size_t t = 0; t < gflops.size(); ++t) json += (t ? ", " : "") + std::to_string(gflops[t]);
    json += "]}";
  }
  json += "]}";
  std::printf("%s\n", json.c_str());
  // Uses the results so the chains are live (the value itself is ~kAccumulators * lanes).
  return g_sink.load() < 0 ? 3 : 0;
}
