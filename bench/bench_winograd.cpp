// bench_winograd: times the Winograd F(4x4,3x3) kernel against the direct kernel on the seed
// ResNet-18 3x3 stride-1 layers (and variants of the Winograd blocking), at 1 and 2 threads;
// layers 7 and 8 run F(2x2,3x3) on 7x7x512 (batch 1 and 3).
// Both run the blocking codegen would choose (codegen/winograd.hpp, codegen/conv_blocking.cpp).
// GFLOP/s are direct-convolution FLOPs (2 * N*H*W*IC*OC*9) / time, so the two are comparable.
// "cpu": the least thread CPU time of one run at 1 thread, which time slicing on a shared machine
// does not inflate (the wall time does).
// "cold" runs evict the caches (a 128 MB sweep) before every timed run, as in a whole network
// where a layer's weights were last touched one forward pass ago.
//
// Build on request (bench/CMakeLists.txt):
//   cmake --build build --target bench_winograd && build/bench/bench_winograd
// Usage: bench_winograd [--runs N] [--cold] [--variants] [--no-direct] [--layer 1..8]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codegen/winograd.hpp"
#include "runtime/kernels/conv_direct.hpp"
#include "runtime/kernels/winograd.hpp"
#include "runtime/thread_pool.hpp"

namespace {

using rnc::kern::Args;
using rnc::kern::Blocked;
using rnc::kern::ConvCfg;
using rnc::kern::WinogradCfg;

int g_runs = 20;
bool g_cold = false;
std::vector<char> g_sweep;

struct AlignedBuf {
  float* p = nullptr;
  explicit AlignedBuf(std::size_t n) {
    p = static_cast<float*>(::operator new[](n * sizeof(float) + 64, std::align_val_t{64}));
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (std::size_t i = 0; i < n; ++i) p[i] = d(rng);
  }
  ~AlignedBuf() { ::operator delete[](p, std::align_val_t{64}); }
};

void evict() {
  if (!g_cold) return;
  if (g_sweep.empty()) g_sweep.assign(128u << 20, 1);
  for (std::size_t i = 0; i < g_sweep.size(); i += 64) g_sweep[i] = static_cast<char>(g_sweep[i] + 1);
}

// CPU time of the calling thread in ms: it does not count time slices lost to other processes
// on a shared machine (only meaningful at 1 thread, where the calling thread does all the work).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}
double g_last_cpu = 0;  // min thread CPU ms of the last time_layer

struct Job {
  void (*fn)(const Args&, int, int);
  const std::vector<Args>* args;  // one per part (private scratch)
};

void job_entry(void* ctx, int index, int count) {
  const Job* j = static_cast<const Job*>(ctx);
  j->fn((*j->args)[static_cast<std::size_t>(index)], index, count);
}

// Minimum time in ms of g_runs runs.
double time_layer(rnc::rt::ThreadPool& pool, void (*fn)(const Args&, int, int), const std::vector<Args>& args) {
  Job job{fn, &args};
  pool.run(job_entry, &job);  // warm-up
  double best = 1e30, best_cpu = 1e30;
  for (int r = 0; r < g_runs; ++r) {
    evict();
    const double c0 = thread_cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    pool.run(job_entry, &job);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = thread_cpu_ms();
    best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
    best_cpu = std::min(best_cpu, c1 - c0);
  }
  g_last_cpu = best_cpu;
  return best;
}

// M: the output tile, 4 (F(4x4, 3x3)) or 2 (F(2x2, 3x3)).
template <WinogradCfg C, int M = 4>
double bench_winograd(rnc::rt::ThreadPool& pool) {
  AlignedBuf in(C.in.floats()), res(C.res.floats()), out(C.out.floats());
  AlignedBuf w(std::size_t((M + 2) * (M + 2)) * C.in.cb() * C.out.cb() * 256), bias(C.out.cb() * 16);
  for (std::size_t i = 0; i < std::size_t(C.out.cb()) * 16; ++i) bias.p[i] *= 0.1f;
  constexpr std::int64_t sf = rnc::kern::winograd_scratch_floats(C, M);
  AlignedBuf scratch(static_cast<std::size_t>(sf) * pool.threads());
  std::vector<Args> args;
  for (int t = 0; t < pool.threads(); ++t)
    args.push_back({.in0 = in.p, .in1 = res.p, .w0 = w.p, .w1 = bias.p, .out = out.p, .scratch = scratch.p + sf * t});
  return time_layer(pool, &rnc::kern::conv3x3_winograd<C, M>, args);
}

template <ConvCfg C>
double bench_direct(rnc::rt::ThreadPool& pool) {
  AlignedBuf in(C.in.floats()), res(C.res.floats()), out(C.out.floats());
  AlignedBuf w(std::size_t(C.in.cb()) * C.out.cb() * 256 * 9), bias(C.out.cb() * 16);
  std::vector<Args> args(static_cast<std::size_t>(pool.threads()),
                         Args{.in0 = in.p, .in1 = res.p, .w0 = w.p, .w1 = bias.p, .out = out.p, .scratch = nullptr});
  return time_layer(pool, &rnc::kern::conv_blocked<C>, args);
}

constexpr Blocked blk(int n, int c, int hw) { return {n, c, hw, hw, 1}; }

template <int N, int C, int HW, int T, int G>
constexpr WinogradCfg wcfg() {
  return {.in = blk(N, C, HW),
          .out = blk(N, C, HW),
          .res = blk(N, C, HW),
          .tile_block = T,
          .residual = true,
          .relu = true,
          .oc_group = G};
}

template <int N, int C, int HW, int M = 4>
constexpr WinogradCfg chosen() {
  constexpr int tiles = N * ((HW + M - 1) / M) * ((HW + M - 1) / M);
  constexpr int T = rnc::choose_tile_block(tiles, C);
  return wcfg<N, C, HW, T, rnc::choose_oc_group(tiles, T, C, 16)>();
}

// The direct kernel with the blocking codegen/conv_blocking.cpp chooses for these layers
// (7 pixels x 2 output blocks, input blocks one pass at a time when the weights leave L2).
template <int N, int C, int HW, int ICC>
constexpr ConvCfg dcfg() {
  return {.in = blk(N, C, HW),
          .out = blk(N, C, HW),
          .res = blk(N, C, HW),
          .kernel = 3,
          .stride = 1,
          .padding = 1,
          .ow_block = 7,
          .oh_block = 1,
          .oc_blocks = 2,
          .ic_chunk = ICC,
          .residual = true,
          .relu = true};
}

template <int N, int C, int HW, int ICC, int M = 4>
void row(rnc::rt::ThreadPool& p1, rnc::rt::ThreadPool& p2, bool with_direct) {
  constexpr WinogradCfg W = chosen<N, C, HW, M>();
  const double flop = 2.0 * N * HW * HW * double(C) * C * 9;
  const double w1 = bench_winograd<W, M>(p1), c1 = g_last_cpu, w2 = bench_winograd<W, M>(p2);
  std::printf("%dx%dx%dx%-4d T=%-3d G=%-2d F%dx%d 1t %7.3f ms %6.0f GF/s (cpu %7.3f ms)  2t %7.3f ms %6.0f GF/s", N, HW,
              HW, C, W.tile_block, W.oc_group, M, M, w1, flop / w1 / 1e6, c1, w2, flop / w2 / 1e6);
  if (with_direct) {
    const double d1 = bench_direct<dcfg<N, C, HW, ICC>()>(p1), d2 = bench_direct<dcfg<N, C, HW, ICC>()>(p2);
    std::printf("   | direct 1t %7.3f ms %6.0f GF/s  2t %7.3f ms %6.0f GF/s", d1, flop / d1 / 1e6, d2, flop / d2 / 1e6);
  }
  std::printf("\n");
}

template <int N, int C, int HW, int T, int G>
void variant(rnc::rt::ThreadPool& p1, rnc::rt::ThreadPool& p2) {
  constexpr WinogradCfg W = wcfg<N, C, HW, T, G>();
  const double flop = 2.0 * N * HW * HW * double(C) * C * 9;
  const double w1 = bench_winograd<W>(p1), c1 = g_last_cpu, w2 = bench_winograd<W>(p2);
  std::printf("  variant %dx%dx%dx%-4d T=%-3d G=%-2d  1t %7.3f ms %6.0f GF/s (cpu %7.3f ms)  2t %7.3f ms %6.0f GF/s\n",
              N, HW, HW, C, T, G, w1, flop / w1 / 1e6, c1, w2, flop / w2 / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  bool variants = false, direct = true;
  int only = 0;  // 1..8: one layer of the table
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) g_runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--cold")) g_cold = true;
    else if (!std::strcmp(argv[i], "--variants")) variants = true;
    else if (!std::strcmp(argv[i], "--no-direct")) direct = false;
    else if (!std::strcmp(argv[i], "--layer") && i + 1 < argc) only = std::atoi(argv[++i]);
  }
  rnc::rt::ThreadPool p1(1), p2(2);
  std::printf("runs %d, %s caches\n", g_runs, g_cold ? "cold" : "warm");
  if (!only || only == 1) row<1, 64, 56, 0>(p1, p2, direct);
  if (!only || only == 2) row<1, 128, 28, 1>(p1, p2, direct);
  if (!only || only == 3) row<1, 256, 14, 1>(p1, p2, direct);
  if (!only || only == 4) row<1, 512, 7, 1>(p1, p2, direct);
  if (!only || only == 5) row<3, 64, 56, 1>(p1, p2, direct);
  if (!only || only == 6) row<3, 512, 7, 1>(p1, p2, direct);
  if (!only || only == 7) row<1, 512, 7, 1, 2>(p1, p2, direct);
  if (!only || only == 8) row<3, 512, 7, 1, 2>(p1, p2, direct);
  if (variants) {
    variant<1, 64, 56, 24, 0>(p1, p2);
    variant<1, 64, 56, 56, 0>(p1, p2);
    variant<1, 128, 28, 25, 4>(p1, p2);
    variant<1, 128, 28, 49, 0>(p1, p2);
    variant<1, 128, 28, 49, 4>(p1, p2);
    variant<1, 256, 14, 8, 4>(p1, p2);
    variant<1, 256, 14, 16, 0>(p1, p2);
    variant<1, 256, 14, 16, 4>(p1, p2);
    variant<1, 512, 7, 4, 0>(p1, p2);
    variant<1, 512, 7, 4, 4>(p1, p2);
  }
  return 0;
}
