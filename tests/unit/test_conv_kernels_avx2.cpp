// The 8-lane (NCHW8c) direct convolution kernels of the avx2 target against the naive loop
// (conv_test_support.hpp): the portable kernels at 8 lanes, and the AVX2 intrinsics kernels
// (conv_avx2.hpp), compiled here with a target pragma and run when the CPU has AVX2 and FMA.
// Register tiles within the 16 ymm registers (14 px x 1 block, 6 x 2, 4 x 3, 7 x 1), channels
// that are not multiples of 8, strides 1 and 2, chunked reductions, the stem, residual and ReLU.
// Also: the blocking rule with the AVX2 register budget.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "codegen/conv_blocking.hpp"
#include "conv_test_support.hpp"
#include "cpu_features.hpp"

// The AVX2 kernels whatever flags this file is built with; they only run after a CPU check.
#if defined(__AVX2__) && defined(__FMA__)
#define RNC_TEST_AVX2 1
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RNC_TEST_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "kernels/conv_avx2.hpp"
#pragma GCC pop_options
#else
#define RNC_TEST_AVX2 0
#endif

namespace {

using conv_test::Layer;

template <Layer L, bool kStem = false>
void check_layer() {
  static_assert(L.lanes == 8);
  conv_test::check_layer<L, kStem>(
      [](const rnc::kern::Args& a, std::int64_t out_floats, const std::vector<double>& want) {
#if RNC_TEST_AVX2
        constexpr rnc::kern::ConvCfg C = conv_test::cfg(L);
        if (rnc::rt::cpu_supports("avx2")) {
          if constexpr (kStem) conv_test::check_kernel("avx2", rnc::kern::conv_nchw_in_avx2<C>, a, out_floats, want);
          else conv_test::check_kernel("avx2", rnc::kern::conv_blocked_avx2<C>, a, out_floats, want);
        } else {
          MESSAGE("no AVX2 on this CPU: only the generic kernel was checked");
        }
#else
        (void)a, (void)out_floats, (void)want;
#endif
      });
}

// Layer{n, ic, oc, h, w, kernel, stride, padding, in_pad, out_pad, res_pad, ow_block, oh_block, oc_blocks, ic_chunk,
// residual,
//       relu, lanes}
#define CONV8_TEST(NAME, ...) \
  TEST_CASE("conv kernels 8 lanes: " NAME) { check_layer<__VA_ARGS__>(); }

CONV8_TEST("conv3x3/s1 [1,64,14,14]->64 ow14 oc8 relu",
           Layer{1, 64, 64, 14, 14, 3, 1, 1, 1, 1, 1, 14, 1, 1, 0, false, true, 8})
CONV8_TEST("conv3x3/s1 [1,64,12,12]->64 ow6 oc16 add+relu",
           Layer{1, 64, 64, 12, 12, 3, 1, 1, 1, 1, 0, 6, 1, 2, 0, true, true, 8})
CONV8_TEST("conv3x3/s1 [1,32,8,8]->48 ow4 oc24 add",
           Layer{1, 32, 48, 8, 8, 3, 1, 1, 1, 0, 1, 4, 1, 3, 0, true, false, 8})
CONV8_TEST("conv3x3/s1 [1,64,7,7]->64 ow7 oc8 relu",
           Layer{1, 64, 64, 7, 7, 3, 1, 1, 1, 1, 1, 7, 1, 1, 0, false, true, 8})
CONV8_TEST("conv3x3/s1 [3,20,9,67]->33 ow1 oh9 oc8 add+relu",
           Layer{3, 20, 33, 9, 67, 3, 1, 1, 1, 1, 1, 1, 9, 1, 0, true, true, 8})
CONV8_TEST("conv3x3/s1 [1,12,10,12]->20 ow6 oh2 oc8 relu",
           Layer{1, 12, 20, 10, 12, 3, 1, 1, 2, 1, 1, 6, 2, 1, 0, false, true, 8})
CONV8_TEST("conv3x3/s1 [1,64,7,7]->64 ow7 oc8 chunk2 add+relu",
           Layer{1, 64, 64, 7, 7, 3, 1, 1, 1, 1, 1, 7, 1, 1, 2, true, true, 8})
CONV8_TEST("conv3x3/s1 [2,48,6,6]->32 ow6 oc16 chunk3 relu",
           Layer{2, 48, 32, 6, 6, 3, 1, 1, 1, 1, 1, 6, 1, 2, 3, false, true, 8})
CONV8_TEST("conv3x3/s2 [1,32,14,14]->64 ow7 oc8 relu",
           Layer{1, 32, 64, 14, 14, 3, 2, 1, 1, 1, 1, 7, 1, 1, 0, false, true, 8})
CONV8_TEST("conv3x3/s2 [3,18,19,23]->33 ow6 oc8 relu",
           Layer{3, 18, 33, 19, 23, 3, 2, 1, 1, 1, 1, 6, 1, 1, 0, false, true, 8})
CONV8_TEST("conv1x1/s2 [1,64,14,14]->128 ow7 oc8",
           Layer{1, 64, 128, 14, 14, 1, 2, 0, 1, 0, 0, 7, 1, 1, 0, false, false, 8})
CONV8_TEST("conv1x1/s1 [2,24,17,15]->40 ow5 oc8 add+relu",
           Layer{2, 24, 40, 17, 15, 1, 1, 0, 0, 0, 0, 5, 1, 1, 0, true, true, 8})
CONV8_TEST("conv1x1/s2 [1,256,14,14]->64 ow7 oc16 chunk8",
           Layer{1, 256, 64, 14, 14, 1, 2, 0, 1, 0, 0, 7, 1, 2, 8, false, false, 8})
CONV8_TEST("stem conv7x7/s2 [1,1,28,28]->64 ow14 oc8 relu",
           Layer{1, 1, 64, 28, 28, 7, 2, 3, 3, 1, 1, 14, 1, 1, 0, false, true, 8}, true)
CONV8_TEST("stem conv7x7/s2 [3,3,35,29]->20 ow5 oc8",
           Layer{3, 3, 20, 35, 29, 7, 2, 3, 3, 0, 0, 5, 1, 1, 0, false, false, 8}, true)
CONV8_TEST("stem conv3x3/s1 [1,2,9,10]->48 ow5 oc16 add",
           Layer{1, 2, 48, 9, 10, 3, 1, 1, 1, 0, 2, 5, 1, 2, 0, true, false, 8}, true)

// Grouped (Layer's last field): groups of whole 8-channel blocks, narrow groups merged, depthwise.
CONV8_TEST("grouped conv3x3/s1 [1,64,12,12]->64 g16 (4 per group: 8 kernel groups) ow6 oc8 relu",
           Layer{1, 64, 64, 12, 12, 3, 1, 1, 1, 1, 1, 6, 1, 1, 0, false, true, 8, 16})
CONV8_TEST("grouped conv3x3/s1 [1,32,8,8]->32 g2 (16 per group) ow4 oc16 chunk1 add+relu",
           Layer{1, 32, 32, 8, 8, 3, 1, 1, 1, 1, 0, 4, 1, 2, 1, true, true, 8, 2})
CONV8_TEST("depthwise conv3x3/s1 [1,16,7,9]->16 g16 ow9 oc8 relu",
           Layer{1, 16, 16, 7, 9, 3, 1, 1, 1, 0, 0, 9, 1, 1, 0, false, true, 8, 16})
CONV8_TEST("grouped conv3x3/s2 [2,32,13,13]->64 g4 (8 in, 16 out per group) ow7 oc16 add",
           Layer{2, 32, 64, 13, 13, 3, 2, 1, 1, 1, 1, 7, 1, 2, 0, true, false, 8, 4})
CONV8_TEST("grouped conv3x3/s1 [1,12,6,6]->18 g3 (4 in, 6 out per group: one dense kernel group) ow3 oc24",
           Layer{1, 12, 18, 6, 6, 3, 1, 1, 1, 1, 1, 3, 1, 3, 0, false, false, 8, 3})

TEST_CASE("choose_conv_blocking with AVX2 (8 lanes, 16 registers): blocks divide the shape and fit the registers") {
  const rnc::VectorIsa avx2{.lanes = 8, .registers = 16};
  for (std::int64_t w : {1, 3, 7, 14, 23, 28, 56, 112})
    for (std::int64_t h : {1, 7, 17})
      for (std::int64_t c_out : {8, 20, 64, 512})
        for (std::int64_t c_in : {1, 20, 64, 512})
          for (std::int64_t k : {1, 3, 7})
            for (bool stem : {false, true}) {
              if (stem && c_in > 4) continue;
              const rnc::ConvBlocking b = rnc::choose_conv_blocking({2, c_in, c_out, h, w, k, stem}, avx2);
              const std::int64_t ocb = (c_out + 7) / 8, icb = (c_in + 7) / 8;
              INFO("w " << w << " h " << h << " c_in " << c_in << " c_out " << c_out << " k " << k << " stem " << stem);
              REQUIRE(w % b.ow_block == 0);
              REQUIRE(h % b.oh_block == 0);
              REQUIRE(ocb % b.oc_blocks == 0);
              REQUIRE(b.ow_block * b.oh_block * b.oc_blocks + b.oc_blocks + 1 <= 16);
              REQUIRE((b.ic_chunk == 0 || (!stem && icb % b.ic_chunk == 0 && b.ic_chunk < icb)));
              REQUIRE(b.efficiency > 0.0);
            }
  // Measured fastest (bench/bench_conv avx2-): 56x56x64 4 px x 2 blocks, 7x7x512 7 px x 1 block
  // (7 x 2 would need 17 registers).
  const rnc::ConvBlocking b56 = rnc::choose_conv_blocking({1, 64, 64, 56, 56, 3}, avx2);
  CHECK(b56.ow_block * b56.oh_block == 4);
  CHECK(b56.oc_blocks == 2);
  const rnc::ConvBlocking b7 = rnc::choose_conv_blocking({1, 512, 512, 7, 7, 3}, avx2);
  CHECK(b7.ow_block == 7);
  CHECK(b7.oc_blocks == 1);
}

}  // namespace
