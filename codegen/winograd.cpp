#include "codegen/winograd.hpp"

#include <algorithm>
#include <stdexcept>

#include "codegen/program.hpp"

namespace rnc {
namespace {

constexpr std::int64_t kPanelBlocks = 4;  // rnc::kern::wino::kPanel

// G of F(4x4, 3x3) (Lavin & Gray), interpolation points 0, 1, -1, 2, -2 and infinity.
constexpr double kG4[6][3] = {
    {1.0 / 4, 0.0, 0.0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0.0, 0.0, 1.0},
};
// G of F(2x2, 3x3), points 0, 1, -1 and infinity.
constexpr double kG2[4][3] = {{1.0, 0.0, 0.0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.0, 0.0, 1.0}};

}  // namespace

std::vector<float> pack_winograd_weights(const Tensor& w, int lanes, int m) {
  if (w.shape.size() != 4 || w.shape[2] != 3 || w.shape[3] != 3)
    throw std::invalid_argument("pack_winograd_weights: expected a [OC][IC][3][3] weight, got " + to_string(w.shape));
  if (m != 4 && m != 2) throw std::invalid_argument("pack_winograd_weights: output tile must be 4 or 2");
  const int P = m + 2, positions = P * P;
  const double(*kG)[3] = m == 4 ? kG4 : kG2;
  const std::int64_t oc_n = w.shape[0], ic_n = w.shape[1], L = lanes;
  const std::int64_t oc_pad = round_up_channels(oc_n, lanes), ic_pad = round_up_channels(ic_n, lanes), ocb = oc_pad / L;
  std::vector<float> out(static_cast<std::size_t>(positions * ic_pad * oc_pad), 0.0f);
  for (std::int64_t oc = 0; oc < oc_n; ++oc) {
    const std::int64_t block = oc / L, panel = block / kPanelBlocks;
    const std::int64_t width = std::min(kPanelBlocks, ocb - panel * kPanelBlocks);
    const std::int64_t lane = (block - panel * kPanelBlocks) * L + oc % L;
    for (std::int64_t ic = 0; ic < ic_n; ++ic) {
      double gg[6][3];  // G g
      for (int r = 0; r < P; ++r)
        for (int c = 0; c < 3; ++c) {
          double s = 0;
          for (int k = 0; k < 3; ++k) s += kG[r][k] * double(w.at4(oc, ic, k, c));
          gg[r][c] = s;
        }
      for (int r = 0; r < P; ++r)
        for (int c = 0; c < P; ++c) {
          double s = 0;
          for (int k = 0; k < 3; ++k) s += gg[r][k] * kG[c][k];
          const std::int64_t dst =
              (r * P + c) * ic_pad * oc_pad + panel * kPanelBlocks * L * ic_pad + ic * width * L + lane;
          out[static_cast<std::size_t>(dst)] = static_cast<float>(s);
        }
    }
  }
  return out;
}

// One core streams a layer's transformed weights (36 * IC * OC floats, 4x the direct kernel's)
// from memory at ~20 GB/s when a whole network runs (they do not stay in L3 between passes),
// while the FMAs run at ~200 GFLOP/s. Per (IC, OC) pair that is, in ns:
//   winograd  max(144 / 20, 72 * n * tiles / 200)   weights streamed once, 36 MACs per tile
//   direct    18 * n * h * w / 200                  9 MACs per pixel
// so Winograd needs n * h * w > 100 (the weights) and h * w > 5 * tiles (partial tiles), with a
// 25% margin for the transforms. Measured at 1 thread, caches evicted before each run
// (bench/bench_winograd --cold, ms, Winograd vs the direct kernel with its chosen blocking at
// ~205 GFLOP/s): 56x56x64 0.56 vs 1.14, 28x28x128 0.48 vs 1.12, 14x14x256 0.55 vs 1.11,
// 7x7x512 1.32 vs 1.11 (warm: 1.12 vs 1.15), batch 3 7x7x512 1.88 vs 3.55.
// With AVX2 (8 lanes) the direct kernel runs at ~70 instead of ~200 GFLOP/s on small maps (half
// the vector width, and a 7-wide map fits only 7 accumulators in 16 registers), so the weights
// stop mattering at n * h * w > 0.4 * 70 (35 with the margin): in the seed network at 224x224,
// each 7x7x512 layer 2.1 ms with Winograd vs 3.0 ms direct (--profile, 1 thread).
bool winograd_pays(std::int64_t out_h, std::int64_t out_w, std::int64_t in_c, std::int64_t out_c, std::int64_t batch,
                   int lanes) {
  if (in_c < 16 || out_c < 16) return false;  // mostly padding channels do not pay the transforms
  const std::int64_t pixels = out_h * out_w, tiles = ((out_h + 3) / 4) * ((out_w + 3) / 4);
  const std::int64_t min_work_pixels = lanes == 8 ? 35 : 100;
  return batch * pixels > min_work_pixels && pixels > 5 * tiles;
}

// F(2x2, 3x3) streams 16 * IC * OC transformed weights (64 bytes per (IC, OC) pair, 2.25x fewer
// than F(4x4, 3x3), 1.78x the direct kernel's) for 16 MACs per 2x2 tile. In the model above, per
// (IC, OC) pair, with F and B the core's MAC rate and memory bandwidth:
//   F(2x2)  max(64 / B, 16 * n * tiles2 / F)      direct  9 * n * h * w / F
// so it needs n * h * w > 64 * 1.25 / 9 * F / B (the weights; F / B = 5 MAC/byte on Zen 5, 3.7 on
// Zen 4: 44 and 33) and h * w > 2.2 * tiles2 (partial tiles), with the same 25% margin. It wins
// where F(4x4) loses to its weights: on Zen 4 (EPYC, 1 core ~118 GFLOP/s, ~15.6 GB/s read),
// bench_winograd --cold, 7x7x512 at 1 thread: F(2x2) 1.46..1.59 ms, direct 2.06, F(4x4) 2.27..2.36;
// projected on Zen 5 (2x the FMA rate, ~28 GB/s): ~0.75 ms against the direct 1.11 and F(4x4) 1.32.
// With AVX2 F(4x4) already runs 7x7 (above); F(2x2) there is not measured, so AVX-512 only.
int winograd_tile(std::int64_t out_h, std::int64_t out_w, std::int64_t in_c, std::int64_t out_c, std::int64_t batch,
                  int lanes) {
  if (winograd_pays(out_h, out_w, in_c, out_c, batch, lanes)) return 4;
  if (lanes != 16 || in_c < 16 || out_c < 16) return 0;
  const std::int64_t pixels = out_h * out_w, tiles2 = ((out_h + 1) / 2) * ((out_w + 1) / 2);
  return batch * pixels > 44 && 5 * pixels > 11 * tiles2 ? 2 : 0;
}

// The int8 Winograd F(2x2, 3x3) is exact (integer transforms; the same bytes as the direct int8
// kernel), so only speed decides. Its `vpdpwssd` does half the multiply-adds of `vpdpbusd` per
// instruction for 2.25x fewer of them: at most 1.125x faster, less the transforms (3% of the time at
// 14x14x256, 12% at 56x56x64) and the weights (int16, 16 positions per 9 taps: 3.6x the direct
// kernel's). Measured (bench_qwinograd, Zen 4, 1 thread, batch 1, time Winograd / direct):
// 14x14x256 0.92-0.94, 28x28x128 0.94-0.98, 56x56x64 1.00-1.02 (a tie: the transforms eat the
// gain), 7x7x512 1.2-1.4 (16 tiles covering 8x8 outputs, 8 MB of weights for them). So: maps of
// 14x14 to 28x28 with at least 128 channels; the kernel sums at most 512 input channels in int32.
// Only batch 1 is measured, so the batch does not enter (a larger one amortizes the weights, which
// may make 7x7 pay, but not the transforms). The whole seed network: docs/performance.md.
bool int8_winograd_pays(std::int64_t out_h, std::int64_t out_w, std::int64_t in_c, std::int64_t out_c, int lanes) {
  const std::int64_t pixels = out_h * out_w;
  return lanes == 16 && in_c >= 128 && in_c <= 512 && out_c >= 128 && pixels >= 14 * 14 && pixels <= 28 * 28;
}

}  // namespace rnc
