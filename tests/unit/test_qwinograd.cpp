// The exact int8 Winograd kernel (runtime/kernels/qwinograd.hpp) against the integer reference
// (codegen/int8_ops.cpp), which qconv_blocked equals byte for byte (test_qconv.cpp): random layers
// whose outputs span the int8 range, odd sizes (edge tiles), batch 2, channels that are not
// multiples of 16, residual u8 and s8, ReLU on and off, several blockings and chunkings, and the
// extreme values behind the int16 / int32 range argument (512 input channels of 255 x -128).
// The output must equal the reference, with a zero halo and zero padding channels, for 1, 2 and 3
// parts (split by output panels, and by tiles where there are fewer panels than parts; every
// (panel, tile) pair belongs to exactly one part). The weight transform is checked on a
// hand-computed kernel.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codegen/int8_ops.hpp"
#include "codegen/pack_int8.hpp"
#include "cpu_features.hpp"
#include "qconv_test_support.hpp"
#include "kernels/qconv.hpp"

// The kernel needs AVX-512 VNNI: built for it whatever flags this file has (see test_qconv.cpp),
// run only after a CPU check.
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)
#include "kernels/qwinograd.hpp"
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,fma")
#define RNC_TARGET_REGION_AVX512VNNI 1
#include "kernels/qconv_avx512.hpp"
#include "kernels/qwinograd.hpp"
#pragma GCC pop_options
#else
#include "kernels/qwinograd.hpp"  // the weight transform only
#endif

namespace {

using qconv_test::random_layer;
using qconv_test::random_qtensor;
using qconv_test::to_blocked;
using rnc::QConvLayer;
using rnc::QTensor;
using rnc::kern::Args;
using rnc::kern::Blocked;
using rnc::kern::QWinogradCfg;

struct WLayer {
  int n, ic, oc, h, w;
  int in_pad, out_pad, res_pad;
  int tile_block, reg_tiles, oc_blocks;
  bool residual, relu, res_signed;
};

constexpr QWinogradCfg wcfg(WLayer l) {
  return QWinogradCfg{.in = {l.n, l.ic, l.h, l.w, l.in_pad, 16},
                      .out = {l.n, l.oc, l.h, l.w, l.out_pad, 16},
                      .res = {l.n, l.oc, l.h, l.w, l.res_pad, 16},
                      .tile_block = l.tile_block,
                      .reg_tiles = l.reg_tiles,
                      .oc_blocks = l.oc_blocks,
                      .residual = l.residual,
                      .relu = l.relu,
                      .res_signed = l.res_signed};
}

#if defined(RNC_QWINOGRAD_KERNEL)
// in_value / weight nonzero: every input / weight that value (the range extremes), else random.
template <WLayer L>
void check_qwinograd(int in_value = 0, int weight = 0) {
  if (!rnc::rt::cpu_supports("avx512vnni")) {
    MESSAGE("no AVX-512 VNNI on this CPU: the int8 Winograd kernel was not checked");
    return;
  }
  constexpr QWinogradCfg C = wcfg(L);
  std::mt19937 rng(L.n * 1000003 + L.ic * 10007 + L.oc * 101 + L.h * 31 + L.w);
  QConvLayer layer = random_layer({L.oc, L.ic, 3, 1, 1, L.residual, L.relu, L.res_signed}, 127, rng, weight);
  if (in_value != 0)  // outputs in range (not saturated), so that a wrong sum shows: interior pixels -> 50
    for (float& m : layer.mult) m = 50.0f / (9.0f * L.ic * in_value * static_cast<float>(std::abs(weight)));
  const QTensor in = in_value != 0 ? random_qtensor({L.n, L.ic, L.h, L.w}, false, rng, in_value, in_value)
                                   : random_qtensor({L.n, L.ic, L.h, L.w}, false, rng);
  const QTensor res = random_qtensor({L.n, L.oc, L.h, L.w}, L.res_signed, rng);
  const QTensor want = rnc::qconv_reference(layer, in, L.residual ? &res : nullptr, 0.1f);
  const std::vector<float> in_stored = to_blocked(in, C.in), res_stored = to_blocked(res, C.res);
  std::vector<float> w(static_cast<std::size_t>((rnc::kern::qwinograd_weight_count(L.oc, L.ic, 16) + 1) / 2));
  rnc::kern::pack_qwinograd_weights(layer.weight.data(), L.oc, L.ic, 16, L.oc_blocks,
                                    reinterpret_cast<std::int16_t*>(w.data()));
  const std::vector<float> params = rnc::pack_qconv_params(layer, 16);
  std::vector<float> scratch(static_cast<std::size_t>(rnc::kern::qwinograd_scratch_bytes(C) / 4 + 16));
  float* aligned = scratch.data() + (64 - reinterpret_cast<std::uintptr_t>(scratch.data()) % 64) % 64 / 4;
  const std::vector<float> expected = to_blocked(want, C.out);
  const auto* want_bytes = reinterpret_cast<const std::uint8_t*>(expected.data());
  for (int parts : {1, 2, 3}) {
    INFO("parts " << parts);
    std::vector<float> out(expected.size());
    std::memset(out.data(), 0xa5, out.size() * sizeof(float));
    const Args a{.in0 = in_stored.data(),
                 .in1 = L.residual ? res_stored.data() : nullptr,
                 .w0 = w.data(),
                 .w1 = params.data(),
                 .out = out.data(),
                 .scratch = aligned};
    for (int part = 0; part < parts; ++part) rnc::kern::qconv3x3_winograd<C>(a, part, parts);
    const auto* got = reinterpret_cast<const std::uint8_t*>(out.data());
    std::int64_t differ = 0, first = -1;
    for (std::int64_t k = 0; k < C.out.floats(); ++k)
      if (got[k] != want_bytes[k] && differ++ == 0) first = k;
    INFO("first difference at byte " << first);
    CHECK(differ == 0);
  }
}
#else
template <WLayer L>
void check_qwinograd(int = 0, int = 0) {
  MESSAGE("built without AVX-512 VNNI: the int8 Winograd kernel was not checked");
}
#endif

}  // namespace

// WLayer{n, ic, oc, h, w, in_pad, out_pad, res_pad, tile_block, reg_tiles, oc_blocks, residual, relu, res_signed}
TEST_CASE("qwinograd: [1,64,14,14]->64 add(s8)+relu, one chunk of 49 tiles") {
  check_qwinograd<WLayer{1, 64, 64, 14, 14, 1, 1, 1, 49, 7, 2, true, true, true}>();
}
TEST_CASE("qwinograd: [1,32,7,7]->64 add(s8), s8 output, edge tiles, 4 blocks per panel") {
  check_qwinograd<WLayer{1, 32, 64, 7, 7, 1, 1, 0, 16, 8, 4, true, false, true}>();
}
TEST_CASE("qwinograd: [2,20,9,10]->40 add(u8)+relu, batch 2, padding channels, chunks of 5") {
  check_qwinograd<WLayer{2, 20, 40, 9, 10, 1, 1, 1, 5, 3, 3, true, true, false}>();
}
TEST_CASE("qwinograd: [2,20,9,10]->40, no residual, input halo 2, output halo 0") {
  check_qwinograd<WLayer{2, 20, 40, 9, 10, 2, 0, 0, 11, 4, 1, false, false, false}>();
}
TEST_CASE("qwinograd: [1,48,1,1]->16 relu, a single pixel") {
  check_qwinograd<WLayer{1, 48, 16, 1, 1, 1, 1, 1, 4, 7, 1, false, true, false}>();
}
TEST_CASE("qwinograd: the range extremes, 512 input channels of 255 x -128 and 255 x 127") {
  // |4 * sum| = 4 * 9 * 512 * 255 * 128 ~ 6.0e8 < 2^31; |V| = 1020, |U| = 9 * 128 at the centre.
  constexpr WLayer L{1, 512, 16, 5, 6, 1, 1, 1, 12, 6, 1, false, false, false};
  check_qwinograd<L>(255, -128);
  check_qwinograd<L>(255, 127);
}

TEST_CASE("qwinograd: parts split the panels, then the tiles; every (panel, tile) in exactly one part") {
  for (const QWinogradCfg& c : {wcfg({1, 256, 256, 14, 14, 1, 1, 1, 49, 7, 2, false, true, false}),
                                wcfg({1, 64, 64, 14, 14, 1, 1, 1, 49, 7, 2, false, true, false}),
                                wcfg({2, 20, 40, 9, 10, 1, 1, 1, 5, 3, 3, false, true, false})})
    for (int parts = 1; parts <= 5; ++parts) {
      const int panels = rnc::kern::qwino::panels(c), tiles = rnc::kern::qwino::tiles(c);
      INFO("panels " << panels << ", tiles " << tiles << ", parts " << parts);
      std::vector<int> owners(static_cast<std::size_t>(panels * tiles), 0);
      for (int part = 0; part < parts; ++part) {
        const rnc::kern::qwino::Share s = rnc::kern::qwino::share_of(c, part, parts);
        // At most ceil(panels / parts) panels: each part streams about 1 / parts of the weights.
        if (parts <= panels) CHECK(s.panels.end - s.panels.begin <= (panels + parts - 1) / parts);
        for (int p = s.panels.begin; p < s.panels.end; ++p)
          for (int t = s.tiles.begin; t < s.tiles.end; ++t) ++owners[static_cast<std::size_t>(p * tiles + t)];
      }
      CHECK(std::count(owners.begin(), owners.end(), 1) == panels * tiles);
    }
}

TEST_CASE("qwinograd weights: 2G g (2G)^T by hand, the packed layout, zero padding channels") {
  // g = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]: 2G g = [[2, 4, 6], [12, 15, 18], [4, 5, 6], [14, 16, 18]],
  // then (2G g)(2G)^T row by row.
  const std::int8_t g[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::int16_t u[16];
  rnc::kern::qwino::transform_kernel(g, u);
  const std::int16_t want[16] = {4, 12, 4, 12, 24, 45, 15, 36, 8, 15, 5, 12, 28, 48, 16, 36};
  for (int p = 0; p < 16; ++p) CHECK(u[p] == want[p]);
  // 2 output blocks (one panel of 2), 20 input channels (2 blocks): weight (oc 17, ic 19) = g,
  // the rest zero; position p of it at [panel 0][p][ib 1][pair 1][block 1][lane 1][ic 1].
  std::vector<std::int8_t> w(32 * 20 * 9, 0);
  std::memcpy(w.data() + (17 * 20 + 19) * 9, g, 9);
  std::vector<std::int16_t> packed(static_cast<std::size_t>(rnc::kern::qwinograd_weight_count(32, 20, 16)), 7);
  rnc::kern::pack_qwinograd_weights(w.data(), 32, 20, 16, 2, packed.data());
  int nonzero = 0;
  for (std::int16_t v : packed) nonzero += v != 0;
  CHECK(nonzero == 16);
  for (int p = 0; p < 16; ++p) {
    const std::int64_t slab = p * 2 + 1;  // (panel 0 * 16 + p) * icb + ib
    CHECK(packed[static_cast<std::size_t>((((slab * 8 + 1) * 2 + 1) * 16 + 1) * 2 + 1)] == want[p]);
  }
}
