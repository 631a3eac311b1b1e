// Direct convolution kernels (runtime/kernels/conv_direct.hpp, conv_avx512.hpp) against a naive
// loop in double, on random data, for a fixed list of layer configurations: kernels 1/3/5/7,
// strides 1/2, paddings 0..3, odd and prime sizes, batch 1..3, channels that are not multiples
// of 16, residual and ReLU on/off, every register blocking (ow_block, oh_block, oc_blocks) and
// chunked reductions. Weights go through the real packer (codegen/pack_weights.cpp). Each kernel
// must match the naive loop within 1e-5 of max |output|, write a zero halo and zero padding
// channels, and give bit-identical outputs for 1, 2 and 3 parts. The AVX-512 kernels are
// compiled here with a target pragma and run when the CPU has AVX-512 (the 8-lane kernels are
// checked in test_conv_kernels_avx2.cpp). Also: properties of choose_conv_blocking for many shapes.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "codegen/conv_blocking.hpp"
#include "conv_test_support.hpp"
#include "cpu_features.hpp"

// The AVX-512 kernels, whatever flags this file is built with (the test suite is built for any
// x86-64); they only run after a CPU check. Everything else in this file stays generic.
#if defined(__AVX512F__)
#define RNC_TEST_AVX512 1
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RNC_TEST_AVX512 1
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma")
#include "kernels/conv_avx512.hpp"
#pragma GCC pop_options
#else
#define RNC_TEST_AVX512 0
#endif

namespace {

using conv_test::Layer;

template <Layer L, bool kStem = false>
void check_layer() {
  conv_test::check_layer<L, kStem>(
      [](const rnc::kern::Args& a, std::int64_t out_floats, const std::vector<double>& want) {
#if RNC_TEST_AVX512
        constexpr rnc::kern::ConvCfg C = conv_test::cfg(L);
        if (rnc::rt::cpu_supports("avx512")) {
          if constexpr (kStem)
            conv_test::check_kernel("avx512", rnc::kern::conv_nchw_in_avx512<C>, a, out_floats, want);
          else conv_test::check_kernel("avx512", rnc::kern::conv_blocked_avx512<C>, a, out_floats, want);
        } else {
          MESSAGE("no AVX-512 on this CPU: only the generic kernel was checked");
        }
#else
        (void)a, (void)out_floats, (void)want;
#endif
      });
}

// Layer{n, ic, oc, h, w, kernel, stride, padding, in_pad, out_pad, res_pad, ow_block, oh_block, oc_blocks, ic_chunk,
// residual, relu}
#define CONV_TEST(NAME, ...) \
  TEST_CASE("conv kernels: " NAME) { check_layer<__VA_ARGS__>(); }

// 3x3 stride 1, the seed's main layers (smaller maps), every oc_blocks.
CONV_TEST("conv3x3/s1 [1,64,14,14]->64 ow7 oc32 relu",
          Layer{1, 64, 64, 14, 14, 3, 1, 1, 1, 1, 1, 7, 1, 2, 0, false, true})
CONV_TEST("conv3x3/s1 [1,64,14,14]->64 ow14 oc16 add",
          Layer{1, 64, 64, 14, 14, 3, 1, 1, 1, 1, 0, 14, 1, 1, 0, true, false})
CONV_TEST("conv3x3/s1 [1,64,14,14]->64 ow7 oc64 add+relu",
          Layer{1, 64, 64, 14, 14, 3, 1, 1, 1, 0, 1, 7, 1, 4, 0, true, true})
CONV_TEST("conv3x3/s1 [1,32,56,56]->32 ow28 oc16",
          Layer{1, 32, 32, 56, 56, 3, 1, 1, 1, 1, 1, 28, 1, 1, 0, false, false})
CONV_TEST("conv3x3/s1 [1,32,7,7]->128 ow7 oc32 relu",
          Layer{1, 32, 128, 7, 7, 3, 1, 1, 1, 1, 1, 7, 1, 2, 0, false, true})
// Channels that are not multiples of 16, odd and prime sizes, batch 3, wider input halo.
CONV_TEST("conv3x3/s1 [3,20,9,67]->33 ow1 oh9 oc16 add+relu",
          Layer{3, 20, 33, 9, 67, 3, 1, 1, 1, 1, 1, 1, 9, 1, 0, true, true})
CONV_TEST("conv3x3/s1 [3,20,9,67]->33 ow1 oh3 oc48 relu",
          Layer{3, 20, 33, 9, 67, 3, 1, 1, 2, 1, 1, 1, 3, 3, 0, false, true})
CONV_TEST("conv3x3/s1 [1,18,19,23]->33 ow23 oc16 relu",
          Layer{1, 18, 33, 19, 23, 3, 1, 1, 1, 1, 1, 23, 1, 1, 0, false, true})
CONV_TEST("conv3x3/s1 [2,40,10,12]->40 ow12 oc16 add+relu",
          Layer{2, 40, 40, 10, 12, 3, 1, 1, 1, 1, 0, 12, 1, 1, 0, true, true})
CONV_TEST("conv3x3/s1 [1,33,10,12]->33 ow6 oc48 relu",
          Layer{1, 33, 33, 10, 12, 3, 1, 1, 3, 1, 1, 6, 1, 3, 0, false, true})
CONV_TEST("conv3x3/s1/p0 [1,16,9,11]->16 ow9 oc16", Layer{1, 16, 16, 9, 11, 3, 1, 0, 0, 0, 0, 9, 1, 1, 0, false, false})
// Several rows per register block.
CONV_TEST("conv3x3/s1 [1,64,3,3]->64 ow3 oh3 oc32 add+relu",
          Layer{1, 64, 64, 3, 3, 3, 1, 1, 1, 1, 1, 3, 3, 2, 0, true, true})
CONV_TEST("conv3x3/s1 [1,32,5,6]->64 ow2 oh5 oc32 relu",
          Layer{1, 32, 64, 5, 6, 3, 1, 1, 1, 1, 1, 2, 5, 2, 0, false, true})
CONV_TEST("conv3x3/s1 [2,16,14,14]->32 ow7 oh2 oc16",
          Layer{2, 16, 32, 14, 14, 3, 1, 1, 1, 1, 1, 7, 2, 1, 0, false, false})
// Chunked reductions (passes of ic_chunk input blocks over all rows).
CONV_TEST("conv3x3/s1 [1,64,7,7]->64 ow7 oc32 chunk1 add+relu",
          Layer{1, 64, 64, 7, 7, 3, 1, 1, 1, 1, 1, 7, 1, 2, 1, true, true})
CONV_TEST("conv3x3/s1 [3,64,7,7]->96 ow7 oc48 chunk2 relu",
          Layer{3, 64, 96, 7, 7, 3, 1, 1, 1, 1, 1, 7, 1, 3, 2, false, true})
CONV_TEST("conv3x3/s1 [1,48,5,6]->64 ow6 oc64 chunk1 add",
          Layer{1, 48, 64, 5, 6, 3, 1, 1, 1, 0, 1, 6, 1, 4, 1, true, false})
CONV_TEST("conv3x3/s1 [1,64,3,3]->32 ow3 oh3 oc32 chunk1 relu",
          Layer{1, 64, 32, 3, 3, 3, 1, 1, 1, 1, 1, 3, 3, 2, 1, false, true})
CONV_TEST("conv3x3/s2 [1,64,14,14]->128 ow7 oc32 chunk2 relu",
          Layer{1, 64, 128, 14, 14, 3, 2, 1, 1, 1, 1, 7, 1, 2, 2, false, true})
// 3x3 stride 2 (first conv of a stage), odd input sizes.
CONV_TEST("conv3x3/s2 [1,32,14,14]->64 ow7 oc32 relu",
          Layer{1, 32, 64, 14, 14, 3, 2, 1, 1, 1, 1, 7, 1, 2, 0, false, true})
CONV_TEST("conv3x3/s2 [3,18,19,23]->33 ow12 oc16 relu",
          Layer{3, 18, 33, 19, 23, 3, 2, 1, 1, 1, 1, 12, 1, 1, 0, false, true})
CONV_TEST("conv3x3/s2 [1,32,13,13]->64 ow7 oc64", Layer{1, 32, 64, 13, 13, 3, 2, 1, 1, 0, 0, 7, 1, 4, 0, false, false})
// 1x1 (projection shortcuts: stride 2 reading an input with a halo; stride 1 without).
CONV_TEST("conv1x1/s2 [1,64,14,14]->128 ow7 oc32",
          Layer{1, 64, 128, 14, 14, 1, 2, 0, 1, 0, 0, 7, 1, 2, 0, false, false})
CONV_TEST("conv1x1/s2 [3,18,19,23]->33 ow6 oc48", Layer{3, 18, 33, 19, 23, 1, 2, 0, 1, 0, 0, 6, 1, 3, 0, false, false})
CONV_TEST("conv1x1/s1 [2,24,17,15]->40 ow5 oc48 add+relu",
          Layer{2, 24, 40, 17, 15, 1, 1, 0, 0, 0, 0, 5, 1, 3, 0, true, true})
CONV_TEST("conv1x1/s2 [1,256,14,14]->64 ow7 oc32 chunk8",
          Layer{1, 256, 64, 14, 14, 1, 2, 0, 1, 0, 0, 7, 1, 2, 8, false, false})
// The stem (plain NCHW input, 1..4 channels): 7x7 stride 2 padding 3, 5x5 stride 2 padding 2.
CONV_TEST("stem conv7x7/s2 [1,1,38,38]->64 ow19 oc16 relu",
          Layer{1, 1, 64, 38, 38, 7, 2, 3, 3, 1, 1, 19, 1, 1, 0, false, true}, true)
CONV_TEST("stem conv7x7/s2 [1,1,28,28]->64 ow7 oc32 relu",
          Layer{1, 1, 64, 28, 28, 7, 2, 3, 3, 1, 1, 7, 1, 2, 0, false, true}, true)
CONV_TEST("stem conv7x7/s2 [3,3,35,29]->20 ow5 oh3 oc32",
          Layer{3, 3, 20, 35, 29, 7, 2, 3, 3, 0, 0, 5, 3, 2, 0, false, false}, true)
CONV_TEST("stem conv7x7/s2 [2,4,67,91]->64 ow23 oc16 relu",
          Layer{2, 4, 64, 67, 91, 7, 2, 3, 3, 1, 1, 23, 1, 1, 0, false, true}, true)
CONV_TEST("stem conv5x5/s2 [2,3,33,29]->24 ow15 oc16 relu",
          Layer{2, 3, 24, 33, 29, 5, 2, 2, 2, 1, 1, 15, 1, 1, 0, false, true}, true)
CONV_TEST("stem conv3x3/s1 [1,2,9,10]->40 ow10 oc48 add",
          Layer{1, 2, 40, 9, 10, 3, 1, 1, 1, 0, 2, 10, 1, 3, 0, true, false}, true)

// Grouped convolutions (Layer's last field: groups). Groups of whole blocks read only their input
// blocks; narrower groups run merged into blocks with block-diagonal weights (kernel_groups);
// groups that fit no block (channels per group not dividing 16) run as one convolution.
CONV_TEST("grouped conv3x3/s1 [1,64,14,14]->64 g4 (16 per group) ow7 oc16 relu",
          Layer{1, 64, 64, 14, 14, 3, 1, 1, 1, 1, 1, 7, 1, 1, 0, false, true, 16, 4})
CONV_TEST("grouped conv3x3/s1 [1,64,14,14]->64 g2 (32 per group) ow7 oc32 chunk1 add+relu",
          Layer{1, 64, 64, 14, 14, 3, 1, 1, 1, 1, 0, 7, 1, 2, 1, true, true, 16, 2})
CONV_TEST("grouped conv3x3/s1 [2,128,10,12]->128 g32 (4 per group: 8 kernel groups) ow6 oh2 oc16 relu",
          Layer{2, 128, 128, 10, 12, 3, 1, 1, 1, 1, 1, 6, 2, 1, 0, false, true, 16, 32})
CONV_TEST("grouped conv3x3/s2 [2,256,14,14]->256 g32 (8 per group: 16 kernel groups) ow7 oc16 add",
          Layer{2, 256, 256, 14, 14, 3, 2, 1, 1, 1, 1, 7, 1, 1, 0, true, false, 16, 32})
CONV_TEST("depthwise conv3x3/s1 [1,32,9,11]->32 g32 ow11 oc16 relu",
          Layer{1, 32, 32, 9, 11, 3, 1, 1, 1, 0, 0, 11, 1, 1, 0, false, true, 16, 32})
CONV_TEST("grouped conv3x3/s2 [2,32,13,13]->64 g2 (16 in, 32 out per group) ow7 oc32 add+relu",
          Layer{2, 32, 64, 13, 13, 3, 2, 1, 1, 1, 0, 7, 1, 2, 0, true, true, 16, 2})
CONV_TEST("grouped conv1x1/s1 [1,128,7,7]->128 g2 ow7 oc32 chunk2 add",
          Layer{1, 128, 128, 7, 7, 1, 1, 0, 0, 0, 0, 7, 1, 2, 2, true, false, 16, 2})
CONV_TEST("grouped conv3x3/s1 [3,24,9,10]->36 g3 (8 in, 12 out per group: one dense kernel group) ow5 oc48 relu",
          Layer{3, 24, 36, 9, 10, 3, 1, 1, 1, 1, 1, 5, 1, 3, 0, false, true, 16, 3})
CONV_TEST("grouped stem conv3x3/s1 [2,3,9,10]->24 g3 ow10 oc16 relu",
          Layer{2, 3, 24, 9, 10, 3, 1, 1, 1, 1, 1, 10, 1, 1, 0, false, true, 16, 3}, true)

TEST_CASE("kernel_groups: whole blocks per group, narrow groups merged, the largest divisor") {
  CHECK(rnc::kernel_groups(32, 128, 128, 16) == 8);   // ResNeXt-50 layer1: 4 channels per group
  CHECK(rnc::kernel_groups(32, 256, 256, 16) == 16);  // layer2: 8 per group
  CHECK(rnc::kernel_groups(32, 512, 512, 16) == 32);  // layer3: 16 per group, as they are
  CHECK(rnc::kernel_groups(32, 128, 128, 8) == 16);
  CHECK(rnc::kernel_groups(3, 24, 36, 16) == 1);
  CHECK(rnc::kernel_groups(6, 96, 96, 16) == 6);
  CHECK(rnc::kernel_groups(6, 48, 96, 16) == 3);
  CHECK(rnc::kernel_groups(4, 64, 64, 16, true) == 1);  // the stem reads NCHW
}

TEST_CASE("expand_groups: each group's weights on the diagonal, zeros elsewhere") {
  rnc::Tensor w(rnc::Shape{8, 2, 1, 1});  // 4 groups of 2 input and 2 output channels
  for (std::size_t k = 0; k < w.data.size(); ++k) w.data[k] = static_cast<float>(k + 1);
  const rnc::Tensor merged = rnc::expand_groups(w, 4, 2);  // 2 kernel groups of 4 channels
  REQUIRE(merged.shape == rnc::Shape{8, 4, 1, 1});
  CHECK(merged.at4(0, 0, 0, 0) == w.at4(0, 0, 0, 0));
  CHECK(merged.at4(0, 2, 0, 0) == 0.0f);
  CHECK(merged.at4(2, 0, 0, 0) == 0.0f);
  CHECK(merged.at4(3, 3, 0, 0) == w.at4(3, 1, 0, 0));
  CHECK(merged.at4(6, 2, 0, 0) == w.at4(6, 0, 0, 0));
  CHECK(merged.at4(5, 1, 0, 0) == w.at4(5, 1, 0, 0));
  CHECK(rnc::expand_groups(w, 4, 4).data == w.data);
}

// --- blocking rule -------------------------------------------------------------------------------

TEST_CASE("choose_conv_blocking: seed layers get 7 px x 2 blocks, passes for weights over 64 KiB") {
  using rnc::ConvShape;
  struct Case {
    ConvShape s;
    int chunk;
  } cases[] = {
      {{1, 1, 64, 112, 112, 7, true}, 0}, {{1, 64, 64, 56, 56, 3}, 0}, {{1, 128, 128, 28, 28, 3}, 1},
      {{1, 256, 256, 14, 14, 3}, 1},      {{1, 512, 512, 7, 7, 3}, 1}, {{1, 64, 128, 28, 28, 1}, 0},
      {{1, 128, 256, 14, 14, 3}, 1},      {{1, 256, 512, 7, 7, 1}, 8},
  };
  for (const Case& c : cases) {
    const rnc::ConvBlocking b = rnc::choose_conv_blocking(c.s);
    INFO("in " << c.s.in_channels << " out " << c.s.out_channels << " map " << c.s.out_h << "x" << c.s.out_w);
    CHECK(b.ow_block == 7);
    CHECK(b.oh_block == 1);
    CHECK(b.oc_blocks == 2);
    CHECK(b.ic_chunk == c.chunk);
  }
}

TEST_CASE("choose_conv_blocking: awkward shapes (prime widths, tiny maps)") {
  const auto choose = [](std::int64_t c_in, std::int64_t c_out, std::int64_t h, std::int64_t w) {
    return rnc::choose_conv_blocking({1, c_in, c_out, h, w, 3});
  };
  CHECK(choose(64, 64, 17, 23).ow_block == 23);  // one whole prime row of one block
  CHECK(choose(512, 512, 3, 3).oh_block == 3);   // all rows of a 3x3 map
  CHECK(choose(64, 64, 66, 67).ow_block == 1);   // prime width: a column of several rows
  CHECK(choose(64, 64, 66, 67).oh_block > 1);
  CHECK(choose(64, 64, 67, 67).efficiency < 0.5);  // prime both ways: no good blocking without tails
}

TEST_CASE("choose_conv_blocking: a grouped layer's register tile stays in one group") {
  // ResNeXt-50 layer3's grouped 3x3: 32 groups of one block each.
  const rnc::ConvBlocking b = rnc::choose_conv_blocking({1, 512, 512, 14, 14, 3, false, 32});
  CHECK(b.oc_blocks == 1);
  CHECK(b.ic_chunk == 0);
  const rnc::ConvBlocking wide = rnc::choose_conv_blocking({1, 512, 512, 14, 14, 3, false, 4});  // 8 blocks a group
  CHECK(8 % wide.oc_blocks == 0);
  CHECK((wide.ic_chunk == 0 || 8 % wide.ic_chunk == 0));
}

TEST_CASE("choose_conv_blocking: blocks divide the shape and fit the registers") {
  for (std::int64_t w : {1, 2, 3, 5, 6, 7, 12, 14, 15, 23, 28, 46, 56, 67, 91, 112})
    for (std::int64_t h : {1, 3, 7, 17, 34})
      for (std::int64_t c_out : {8, 24, 64, 96, 512})
        for (std::int64_t c_in : {1, 20, 64, 512})
          for (std::int64_t k : {1, 3, 7})
            for (bool stem : {false, true}) {
              if (stem && c_in > 4) continue;
              const rnc::ConvShape s{2, c_in, c_out, h, w, k, stem};
              const rnc::ConvBlocking b = rnc::choose_conv_blocking(s);
              const std::int64_t ocb = (c_out + 15) / 16, icb = (c_in + 15) / 16;
              INFO("w " << w << " h " << h << " c_in " << c_in << " c_out " << c_out << " k " << k << " stem " << stem);
              REQUIRE(w % b.ow_block == 0);
              REQUIRE(h % b.oh_block == 0);
              REQUIRE(ocb % b.oc_blocks == 0);
              REQUIRE(b.ow_block * b.oh_block * b.oc_blocks + b.oc_blocks + 1 <= 32);
              REQUIRE((b.ic_chunk == 0 || (!stem && icb % b.ic_chunk == 0 && b.ic_chunk < icb)));
              REQUIRE(b.efficiency > 0.0);
            }
}

TEST_CASE("pack_conv_blocked: oc_blocks interleaves the blocks of a group") {
  rnc::Tensor w(rnc::Shape{64, 16, 1, 1});
  for (std::size_t k = 0; k < w.data.size(); ++k) w.data[k] = static_cast<float>(k);
  const std::vector<float> plain = rnc::pack_conv_blocked(w, 1, 16), grouped = rnc::pack_conv_blocked(w, 2, 16);
  // [OCB][ICB][1][1][16 ic][16 oc] vs [OCB/2][ICB][1][1][16 ic][2][16 oc]: oc 16 + 3, ic 5.
  CHECK(plain[(1 * 16 + 5) * 16 + 3] == w.at4(19, 5, 0, 0));
  CHECK(grouped[(0 * 16 + 5) * 32 + 16 + 3] == w.at4(19, 5, 0, 0));
  CHECK(grouped[(1 * 16 + 5) * 32 + 16 + 3] == w.at4(51, 5, 0, 0));
}

}  // namespace
