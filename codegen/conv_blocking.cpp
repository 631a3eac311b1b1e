#include "codegen/conv_blocking.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rnc {
namespace {

constexpr double kFmaPerCycle = 2;            // FMA pipes
constexpr double kLoadsPerCycle = 2;          // vector loads (a broadcast from memory is one)
constexpr double kMinStepCycles = 7;          // FMA latency 4 + slack: >= 14 zmm accumulators to hide it
constexpr double kMinStepCyclesYmm = 4;       // ... 8 ymm accumulators suffice (AVX2: 4 px x 2 blocks 97 GFLOP/s,
                                              // 14 x 1 82, 8 x 1 94 on 56x56x64; bench/bench_conv avx2-)
constexpr double kL1Bytes = 32 * 1024;        // weights a tile walks through that stay in L1 (48 KiB)
constexpr double kL2Bytes = 640 * 1024;       // ... that stay in L2 (1 MiB, shared with activations)
constexpr double kPassBytes = 20 * 1024;      // weights of one chunked pass (L1, with inputs and partial sums)
constexpr double kChunkMinBytes = 64 * 1024;  // smaller layer weights come from memory in negligible time
constexpr double kL2BytesPerCycle = 24;       // weights streamed from L2 (measured)
constexpr double kL3BytesPerCycle = 12;       // ... from L3
constexpr double kNearTie = 0.02;
constexpr int kThreads = 2;  // balance items for this many parts

struct Candidate {
  ConvBlocking b;
  int accumulators;
  int pixels;
};

// The layer and the vector unit it runs on.
struct Layer {
  ConvShape s;
  VectorIsa isa;
  std::int64_t blocks(std::int64_t channels) const { return (channels + isa.lanes - 1) / isa.lanes; }
  // Reduction steps of one output (input channels, rounded up to blocks unless read one by one,
  // times kernel taps) and the weight bytes of one step of one output block (one register).
  std::int64_t reduction_steps() const {
    return (s.nchw_input ? s.in_channels : blocks(s.in_channels / s.groups) * isa.lanes) * s.kernel * s.kernel;
  }
  double step_bytes() const { return isa.lanes * 4.0; }
};

// Estimated fraction of FMA peak of one candidate (see the header), not counting load balance.
double efficiency(const Layer& l, int pixels, int oc_blocks, bool chunked) {
  const int acc = pixels * oc_blocks;
  const double fma = acc / kFmaPerCycle;
  const double loads = (pixels + oc_blocks) / kLoadsPerCycle;
  // Weights one tile reads: every reduction step of one group of oc_blocks output blocks (of one
  // pass when chunked: then from L1).
  const double step_bytes = oc_blocks * l.step_bytes();
  const double tile_bytes = static_cast<double>(l.reduction_steps()) * step_bytes;
  double weights = 0;
  if (!chunked && tile_bytes > kL2Bytes) weights = step_bytes / kL3BytesPerCycle;
  else if (!chunked && tile_bytes > kL1Bytes) weights = step_bytes / kL2BytesPerCycle;
  const double cycles = std::max({fma, loads, weights, l.isa.lanes == 8 ? kMinStepCyclesYmm : kMinStepCycles});
  return fma / cycles;
}

// Input blocks per pass (0: no passes): the largest proper divisor of the input blocks whose
// pass weights fit L1, for layers with more than kChunkMinBytes of weights (inside a network they
// come from memory, and passes let the kernel prefetch them while it computes). Passes need work
// items of whole groups (all rows), so only with enough groups for kThreads.
int choose_ic_chunk(const Layer& l, int oc_blocks) {
  const ConvShape& s = l.s;
  const std::int64_t icb = l.blocks(s.in_channels / s.groups), groups = s.n * l.blocks(s.out_channels) / oc_blocks;
  const double layer_bytes = static_cast<double>(l.reduction_steps()) * l.step_bytes() * l.blocks(s.out_channels);
  if (!s.passes || s.nchw_input || icb < 2 || layer_bytes <= kChunkMinBytes || groups < 2 * kThreads) return 0;
  const double block_bytes =
      double(l.isa.lanes) * s.kernel * s.kernel * oc_blocks * l.step_bytes();  // one input block's pass
  int chunk = 1;
  for (std::int64_t d = 1; d < icb; ++d)
    if (icb % d == 0 && d * block_bytes <= kPassBytes) chunk = static_cast<int>(d);
  return chunk;
}

// Fraction of kThreads parts kept busy by `items` equal work items.
double balance(std::int64_t items) {
  const std::int64_t rounds = (items + kThreads - 1) / kThreads;
  return static_cast<double>(items) / static_cast<double>(rounds * kThreads);
}

std::vector<int> divisors(std::int64_t n, std::int64_t limit) {
  std::vector<int> out;
  for (std::int64_t d = 1; d <= std::min(n, limit); ++d)
    if (n % d == 0) out.push_back(static_cast<int>(d));
  return out;
}

// Better: clearly more efficient, else (near tie) what measured faster among equal estimates:
// fewer rows, then oc_blocks nearer 2 (7x2 and 8x2 tiles beat 4x4 and 2x8 by 10-20%, 14x1 by
// ~10%), then fewer accumulators (7x2 matches or beats 14x2), then more pixels.
bool better(const Candidate& a, const Candidate& b) {
  if (std::abs(a.b.efficiency - b.b.efficiency) > kNearTie) return a.b.efficiency > b.b.efficiency;
  if (a.b.oh_block != b.b.oh_block) return a.b.oh_block < b.b.oh_block;
  if (std::abs(a.b.oc_blocks - 2) != std::abs(b.b.oc_blocks - 2))
    return std::abs(a.b.oc_blocks - 2) < std::abs(b.b.oc_blocks - 2);
  if (a.accumulators != b.accumulators) return a.accumulators < b.accumulators;
  return a.pixels > b.pixels;
}

}  // namespace

ConvBlocking choose_conv_blocking(const ConvShape& s, const VectorIsa& isa) {
  const Layer layer{s, isa};
  const int registers = isa.registers;
  const std::int64_t ocb = layer.blocks(s.out_channels);
  Candidate best{{}, 1, 1};
  bool found = false;
  for (int oc_blocks : divisors(ocb / s.groups, registers))
    for (int ow : divisors(s.out_w, registers))
      for (int oh : divisors(s.out_h, registers)) {
        const int pixels = ow * oh, acc = pixels * oc_blocks;
        if (acc + oc_blocks + 1 > registers) continue;
        const int chunk = choose_ic_chunk(layer, oc_blocks);
        const std::int64_t items = s.n * (ocb / oc_blocks) * (chunk > 0 ? 1 : s.out_h / oh);
        const ConvBlocking b{.ow_block = ow,
                             .oh_block = oh,
                             .oc_blocks = oc_blocks,
                             .ic_chunk = chunk,
                             .efficiency = efficiency(layer, pixels, oc_blocks, chunk > 0) * balance(items)};
        const Candidate c{b, acc, pixels};
        if (!found || better(c, best)) best = c;
        found = true;
      }
  return best.b;
}

}  // namespace rnc
