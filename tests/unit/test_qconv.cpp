// The int8 kernels (runtime/kernels/qconv.hpp, qconv_avx512.hpp) against the exact integer
// reference (codegen/int8_ops.cpp), on random layers whose outputs span the int8 range and
// saturate: 1x1 and 3x3, strides 1 and 2, channels that are not multiples of the lanes, batch 2,
// residual u8 and s8, ReLU on and off, several register blockings, 16 lanes (portable, AVX-512
// VNNI, AVX-512BW vpmaddubsw) and 8 lanes (portable, AVX2 vpmaddubsw, and `vpdpbusd` on ymm when
// built for it). Every layer runs with 8-bit weights ([-128, 127]: the portable and VNNI kernels)
// and with the 7-bit weights of targets without VNNI ([-63, 63]: every kernel). Weights and
// parameters go through the real packers (codegen/pack_int8.cpp). Every kernel must equal the
// reference byte for byte, write a zero halo and zero padding channels, for 1, 2 and 3 parts. The
// quantizer must keep the target's weight range; the conversions between float and int8 blocked
// tensors must equal quantize_value and q * scale bit for bit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codegen/compile.hpp"
#include "codegen/int8_ops.hpp"
#include "codegen/pack_int8.hpp"
#include "codegen/qconv_blocking.hpp"
#include "codegen/quantize.hpp"
#include "codegen/target.hpp"
#include "conv_test_support.hpp"
#include "cpu_features.hpp"
#include "qconv_test_support.hpp"
#include "dsl/spec_reader.hpp"
#include "kernels/qconv.hpp"

// The AVX2 and AVX-512 kernels, whatever flags this file is built with (see
// test_conv_kernels.cpp); they run only after a CPU check. The AVX2 region comes first and has
// only AVX2 and FMA (the ymm kernel must run on AVX2 CPUs without AVX-512); each header holds its
// own copy of qconv_simd.hpp, compiled for its region. The AVX-512 region enables VNNI for
// ZmmVnniDot; ZmmMaddubsDot uses only AVX-512BW intrinsics, and runs on any AVX-512 CPU. The ymm
// `vpdpbusd` kernel (YmmVnniDot) is checked when this file is built with AVX-VNNI or AVX-512 VNNI
// + VL (e.g. -march=native on such a CPU).
#if defined(__AVX2__) && defined(__FMA__)
#define RNC_TEST_QAVX2 1
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RNC_TEST_QAVX2 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "kernels/qconv_avx2.hpp"
#pragma GCC pop_options
#else
#define RNC_TEST_QAVX2 0
#endif
#if defined(__AVX512F__) && defined(__AVX512BW__)
#define RNC_TEST_QAVX512 1
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RNC_TEST_QAVX512 1
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,fma")
#define RNC_TARGET_REGION_AVX512VNNI 1  // the region does not define __AVX512VNNI__
#include "kernels/qconv_avx512.hpp"
#define RNC_TEST_QVNNI 1
#pragma GCC pop_options
#else
#define RNC_TEST_QAVX512 0
#endif
#if !defined(RNC_TEST_QVNNI) && RNC_TEST_QAVX512 && defined(__AVX512VNNI__)
#define RNC_TEST_QVNNI 1
#endif

namespace {

using qconv_test::random_layer;
using qconv_test::random_qtensor;
using qconv_test::to_blocked;
using qconv_test::uniform;
using rnc::QConvLayer;
using rnc::QTensor;
using rnc::kern::Args;
using rnc::kern::Blocked;
using rnc::kern::QConvCfg;
using rnc::kern::QuantCfg;

struct QLayer {
  int n, ic, oc, h, w;  // input shape [n, ic, h, w]
  int kernel, stride, padding;
  int in_pad, out_pad, res_pad;  // halos of the input, output and residual tensors
  int ow_block, oh_block, oc_blocks;
  bool residual, relu, res_signed;
  int lanes = 16;
};

using conv_test::out_size;

constexpr QConvCfg qcfg(QLayer l) {
  const int oh = out_size(l.h, l.kernel, l.stride, l.padding), ow = out_size(l.w, l.kernel, l.stride, l.padding);
  return QConvCfg{.in = {l.n, l.ic, l.h, l.w, l.in_pad, l.lanes},
                  .out = {l.n, l.oc, oh, ow, l.out_pad, l.lanes},
                  .res = {l.n, l.oc, oh, ow, l.res_pad, l.lanes},
                  .kernel = l.kernel,
                  .stride = l.stride,
                  .padding = l.padding,
                  .ow_block = l.ow_block,
                  .oh_block = l.oh_block,
                  .oc_blocks = l.oc_blocks,
                  .residual = l.residual,
                  .relu = l.relu,
                  .res_signed = l.res_signed};
}

QConvLayer conv_layer(std::int64_t oc, std::int64_t ic, std::int64_t k, std::int64_t stride = 1,
                      std::int64_t padding = 0) {
  QConvLayer l;
  l.out_channels = oc, l.in_channels = ic, l.kernel = k, l.stride = stride, l.padding = padding;
  return l;
}

using Kernel = void (*)(const Args&, int, int);

// Runs `kernel` split into `parts` (one after the other) on an output full of 0xa5 bytes; the
// blocked output as bytes.
std::vector<std::uint8_t> run_bytes(Kernel kernel, Args a, std::int64_t bytes, int parts) {
  std::vector<float> storage(static_cast<std::size_t>((bytes + 3) / 4));
  std::memset(storage.data(), 0xa5, storage.size() * sizeof(float));
  a.out = storage.data();
  for (int part = 0; part < parts; ++part) kernel(a, part, parts);
  const auto* p = reinterpret_cast<const std::uint8_t*>(storage.data());
  return {p, p + bytes};
}

std::vector<std::uint8_t> as_bytes(const std::vector<float>& storage, std::int64_t bytes) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(storage.data());
  return {p, p + bytes};
}

// The kernel's output equals `want` (halo and padding channels included) for 1, 2 and 3 parts.
void check_qkernel(const char* which, Kernel kernel, const Args& a, const std::vector<std::uint8_t>& want) {
  INFO("kernel " << std::string(which));
  for (int parts : {1, 2, 3}) {
    INFO("parts " << parts);
    const std::vector<std::uint8_t> got = run_bytes(kernel, a, static_cast<std::int64_t>(want.size()), parts);
    std::size_t differ = 0, first = want.size();
    for (std::size_t k = 0; k < want.size(); ++k)
      if (got[k] != want[k]) first = differ++ == 0 ? k : first;
    INFO("first difference at byte " << first << ": " << (first < want.size() ? int(got[first]) : 0) << " vs "
                                     << (first < want.size() ? int(want[first]) : 0));
    CHECK(differ == 0);
  }
}

// Every kernel that takes weights up to weight_max (8 bits: generic and VNNI; 7 bits: also the
// vpmaddubsw kernels) against the reference.
template <QLayer L>
void check_qlayer(int weight_max) {
  INFO("weights in [-" << weight_max << ", " << weight_max << "]");
  constexpr QConvCfg C = qcfg(L);
  std::mt19937 rng(L.n * 1000003 + L.ic * 10007 + L.oc * 101 + L.h * 31 + L.w + L.kernel * 7 + L.oc_blocks);
  const QConvLayer layer =
      random_layer({L.oc, L.ic, L.kernel, L.stride, L.padding, L.residual, L.relu, L.res_signed}, weight_max, rng);
  const QTensor in = random_qtensor({L.n, L.ic, L.h, L.w}, false, rng);
  const QTensor res = random_qtensor({C.res.n, C.res.c, C.res.h, C.res.w}, L.res_signed, rng);
  const QTensor want = rnc::qconv_reference(layer, in, L.residual ? &res : nullptr, 0.1f);
  REQUIRE(want.shape == rnc::Shape{C.out.n, C.out.c, C.out.h, C.out.w});
  // The random layer spans the range: some outputs saturate, others do not.
  const std::int32_t lo = L.relu ? 0 : -128, hi = L.relu ? 255 : 127;
  const auto count = [&](auto pred) { return std::count_if(want.data.begin(), want.data.end(), pred); };
  CHECK(count([&](std::int32_t v) { return v == lo || v == hi; }) > 0);
  CHECK(count([&](std::int32_t v) { return v != lo && v != hi; }) > static_cast<long>(want.data.size() / 4));

  const std::vector<float> in_stored = to_blocked(in, C.in), res_stored = to_blocked(res, C.res);
  const std::vector<float> w = rnc::pack_qconv_weights(layer, L.oc_blocks, L.lanes);
  const std::vector<float> params = rnc::pack_qconv_params(layer, L.lanes);
  CHECK(static_cast<std::int64_t>(w.size()) == rnc::packed_qconv_weight_floats(L.oc, L.ic, L.kernel, L.lanes));
  CHECK(static_cast<std::int64_t>(params.size()) == rnc::packed_qconv_params_floats(L.oc, L.lanes));
  const Args a{
      .in0 = in_stored.data(), .in1 = L.residual ? res_stored.data() : nullptr, .w0 = w.data(), .w1 = params.data()};
  const std::vector<std::uint8_t> expected = as_bytes(to_blocked(want, C.out), C.out.floats());
  const bool maddubs = weight_max <= 63;  // pairs of products fit s16

  check_qkernel("generic", rnc::kern::qconv_blocked_generic<C>, a, expected);
#if RNC_TEST_QAVX512
  if constexpr (L.lanes == 16) {
    if (!rnc::rt::cpu_supports("avx512")) {
      MESSAGE("no AVX-512 on this CPU: the AVX-512 int8 kernels were not checked");
    } else if (maddubs) {
      check_qkernel("avx512 maddubs", rnc::kern::qzmm::qconv_blocked<rnc::kern::ZmmMaddubsDot, C>, a, expected);
    }
#if RNC_TEST_QVNNI
    if (rnc::rt::cpu_supports("avx512vnni"))
      check_qkernel("avx512 vnni", rnc::kern::qzmm::qconv_blocked<rnc::kern::ZmmVnniDot, C>, a, expected);
    else MESSAGE("no AVX-512 VNNI on this CPU: the vpdpbusd kernel was not checked");
#endif
  }
#endif
#if RNC_TEST_QAVX2
  if constexpr (L.lanes == 8) {
    if (!rnc::rt::cpu_supports("avx2")) {
      MESSAGE("no AVX2 on this CPU: the AVX2 int8 kernel was not checked");
    } else if (maddubs) {
      check_qkernel("avx2 maddubs", rnc::kern::qymm::qconv_blocked<rnc::kern::YmmMaddubsDot, C>, a, expected);
    }
#if defined(RNC_QYMM_VNNI)
    // Built with AVX-VNNI or AVX-512 VNNI + VL: the CPU has it if it runs this file at all.
    check_qkernel("avx2 vnni", rnc::kern::qymm::qconv_blocked<rnc::kern::YmmVnniDot, C>, a, expected);
#endif
  }
#endif
}

template <QLayer L>
void check_qlayer() {
  check_qlayer<L>(127);
  check_qlayer<L>(rnc::resolve_target("avx2").target->int8_weight_max());
}

// QLayer{n, ic, oc, h, w, kernel, stride, padding, in_pad, out_pad, res_pad, ow_block, oh_block, oc_blocks,
// residual, relu, res_signed[, lanes]}
#define QCONV_TEST(NAME, ...) \
  TEST_CASE("qconv kernels: " NAME) { check_qlayer<__VA_ARGS__>(); }

// 1x1, stride 1 and 2 (the projection shortcut: reads an input with a halo).
QCONV_TEST("1x1/s1 [1,32,8,8]->64 ow8 oc32 add(u8)+relu",
           QLayer{1, 32, 64, 8, 8, 1, 1, 0, 0, 0, 0, 8, 1, 2, true, true, false})
QCONV_TEST("1x1/s2 [2,64,14,14]->128 ow7 oc32",
           QLayer{2, 64, 128, 14, 14, 1, 2, 0, 1, 0, 0, 7, 1, 2, false, false, false})
QCONV_TEST("1x1/s1 [2,24,17,15]->40 ow5 oc48 add(s8)+relu",
           QLayer{2, 24, 40, 17, 15, 1, 1, 0, 0, 0, 1, 5, 1, 3, true, true, true})
// 3x3 stride 1 padding 1.
QCONV_TEST("3x3/s1 [1,64,14,14]->64 ow7 oc32 add(s8)+relu",
           QLayer{1, 64, 64, 14, 14, 3, 1, 1, 1, 1, 1, 7, 1, 2, true, true, true})
QCONV_TEST("3x3/s1 [1,32,7,7]->64 ow7 oc64 add(s8)",
           QLayer{1, 32, 64, 7, 7, 3, 1, 1, 1, 1, 0, 7, 1, 4, true, false, true})
QCONV_TEST("3x3/s1 [1,32,14,14]->32 ow14 oc32 relu",
           QLayer{1, 32, 32, 14, 14, 3, 1, 1, 1, 1, 1, 14, 1, 2, false, true, false})
QCONV_TEST("3x3/s1 [1,64,3,3]->64 ow3 oh3 oc32 add(u8)",
           QLayer{1, 64, 64, 3, 3, 3, 1, 1, 1, 0, 1, 3, 3, 2, true, false, false})
// Channels that are not multiples of 16, batch 2.
QCONV_TEST("3x3/s1 [2,20,9,10]->40 ow5 oh3 oc48 add(u8)+relu",
           QLayer{2, 20, 40, 9, 10, 3, 1, 1, 1, 1, 1, 5, 3, 3, true, true, false})
QCONV_TEST("3x3/s1 [2,20,9,10]->40 ow10 oc16 add(s8)",
           QLayer{2, 20, 40, 9, 10, 3, 1, 1, 2, 1, 0, 10, 1, 1, true, false, true})
// 3x3 stride 2 padding 1 (first convolution of a stage), odd sizes.
QCONV_TEST("3x3/s2 [1,32,13,13]->64 ow7 oc32 relu",
           QLayer{1, 32, 64, 13, 13, 3, 2, 1, 1, 1, 1, 7, 1, 2, false, true, false})
QCONV_TEST("3x3/s2 [2,48,14,14]->32 ow1 oh7 oc16",
           QLayer{2, 48, 32, 14, 14, 3, 2, 1, 1, 0, 0, 1, 7, 1, false, false, false})
// 8 lanes (NCHW8c): the portable kernel and the AVX2 one (large tiles spill, but must stay exact).
QCONV_TEST("8 lanes 3x3/s1 [2,20,9,10]->40 ow5 oh3 oc40 add(s8)+relu",
           QLayer{2, 20, 40, 9, 10, 3, 1, 1, 1, 1, 1, 5, 3, 5, true, true, true, 8})
QCONV_TEST("8 lanes 1x1/s2 [1,24,14,14]->48 ow7 oc16 add(u8)",
           QLayer{1, 24, 48, 14, 14, 1, 2, 0, 1, 0, 0, 7, 1, 2, true, false, false, 8})
QCONV_TEST("8 lanes 3x3/s2 [1,16,13,13]->16 ow7 oc8 relu",
           QLayer{1, 16, 16, 13, 13, 3, 2, 1, 1, 1, 1, 7, 1, 1, false, true, false, 8})
// ... with the tiles of the AVX2 register budget (codegen/qconv_blocking.cpp).
QCONV_TEST("8 lanes 3x3/s1 [1,64,8,8]->64 ow4 oc16 add(u8)+relu",
           QLayer{1, 64, 64, 8, 8, 3, 1, 1, 1, 1, 1, 4, 1, 2, true, true, false, 8})
QCONV_TEST("8 lanes 1x1/s1 [2,40,6,6]->24 ow3 oh2 oc8 add(s8)",
           QLayer{2, 40, 24, 6, 6, 1, 1, 0, 0, 1, 0, 3, 2, 1, true, false, true, 8})
QCONV_TEST("8 lanes 3x3/s2 [1,24,15,15]->16 ow8 oc8 relu",
           QLayer{1, 24, 16, 15, 15, 3, 2, 1, 1, 0, 1, 8, 1, 1, false, true, false, 8})
QCONV_TEST("8 lanes 3x3/s1 [1,32,7,7]->48 ow7 oc8 add(s8)+relu",
           QLayer{1, 32, 48, 7, 7, 3, 1, 1, 1, 1, 1, 7, 1, 1, true, true, true, 8})

// --- reference and packing -----------------------------------------------------------------------

TEST_CASE("qconv reference: a hand-computed 3x3 with padding, bias, residual and rounding to even") {
  // One input channel 2x2 = [[1, 2], [3, 4]], weights all 1 except the centre 2, bias 3:
  // every output sees all four inputs (sum 10) plus the pixel under the centre once more.
  QConvLayer l = conv_layer(1, 1, 3, 1, 1);
  l.weight = {1, 1, 1, 1, 2, 1, 1, 1, 1};
  l.bias = {3};
  l.mult = {0.5f};
  l.res_scale = 0.25f;
  l.residual = true, l.res_signed = true;
  const QTensor in{{1, 1, 2, 2}, {1, 2, 3, 4}, 1.0f, false};
  const QTensor res{{1, 1, 2, 2}, {0, -2, 2, -128}, 1.0f, true};
  // acc = 3 + 10 + x = 14, 15, 16, 17; y = acc / 2 + res / 4 = 7, 7, 8.5, -23.5 -> 7, 7, 8, -24.
  const QTensor out = rnc::qconv_reference(l, in, &res, 0.5f);
  CHECK(out.data == std::vector<std::int32_t>{7, 7, 8, -24});
  CHECK(out.is_signed);
  CHECK(out.scale == 0.5f);
  l.relu = true;  // clamps to u8
  CHECK(rnc::qconv_reference(l, in, &res, 0.5f).data == std::vector<std::int32_t>{7, 7, 8, 0});
}

TEST_CASE("qconv pack: the layouts of qconv.hpp, zero padding channels") {
  // 48 output channels (3 blocks of 16, one register block), 20 input channels (2 blocks), 3x3.
  QConvLayer l = conv_layer(48, 20, 3);
  l.weight.resize(48 * 20 * 9);
  for (std::size_t k = 0; k < l.weight.size(); ++k) l.weight[k] = static_cast<std::int8_t>(k % 251 - 125);
  const std::vector<float> packed = rnc::pack_qconv_weights(l, 3, 16);
  REQUIRE(static_cast<std::int64_t>(packed.size()) == rnc::packed_qconv_weight_floats(48, 20, 3, 16));
  const auto* b = reinterpret_cast<const std::int8_t*>(packed.data());
  const auto w = [&](int oc, int ic, int kh, int kw) {
    return l.weight[static_cast<std::size_t>(((oc * 20 + ic) * 3 + kh) * 3 + kw)];
  };
  // [1 group][2 ICB][3][3][4 ic groups][3 blocks][16 oc][4 ic]: oc 37 = block 2 lane 5, ic 18 = block 1 group 0 ic 2.
  const std::int64_t tap = (1 * 3 + 2) * 3 + 1;  // ib 1, kh 2, kw 1
  CHECK(b[((tap * 4 + 0) * 48 + 37) * 4 + 2] == w(37, 18, 2, 1));
  CHECK(b[((tap * 4 + 1) * 48 + 37) * 4 + 2] == 0);  // ic 22: padding
  // ic 7 of oc 3 (block 0): ib 0, group 1, position 3.
  CHECK(b[(((0 * 3 + 0) * 3 + 0) * 4 + 1) * 48 * 4 + 3 * 4 + 3] == w(3, 7, 0, 0));

  l.out_channels = 20;
  l.bias.assign(20, -7);
  l.mult.assign(20, 0.25f);
  l.res_scale = 2.0f;
  const std::vector<float> params = rnc::pack_qconv_params(l, 16);
  const rnc::kern::QConvParamsLayout p{32};
  REQUIRE(static_cast<std::int64_t>(params.size()) == p.words());
  std::int32_t bias[32];
  std::memcpy(bias, params.data(), sizeof bias);
  CHECK(bias[19] == -7);
  CHECK(bias[20] == 0);
  CHECK(params[static_cast<std::size_t>(p.mult() + 19)] == 0.25f);
  CHECK(params[static_cast<std::size_t>(p.mult() + 20)] == 0.0f);
  CHECK(params[static_cast<std::size_t>(p.res_scale())] == 2.0f);
}

TEST_CASE("qconv quantize_tensor / dequantize_tensor: clamping, rounding to even, NaN") {
  const rnc::Tensor t({1, 1, 1, 8}, {0.25f, 0.75f, -0.25f, 200.0f, -200.0f, std::nanf(""), 1.25f, -0.75f});
  const QTensor u = rnc::quantize_tensor(t, 0.5f, false);
  CHECK(u.data == std::vector<std::int32_t>{0, 2, 0, 255, 0, 0, 2, 0});
  const QTensor s = rnc::quantize_tensor(t, 0.5f, true);
  CHECK(s.data == std::vector<std::int32_t>{0, 2, 0, 127, -128, -128, 2, -2});
  CHECK(rnc::dequantize_tensor(s).data == std::vector<float>{0, 1, 0, 63.5f, -64, -64, 1, -1});
}

// --- weight range per target --------------------------------------------------------------------

TEST_CASE("qconv quantize_conv: 7-bit weights on targets without VNNI, the full s8 range on the others") {
  // Two output channels of different ranges; each channel's largest |w| must reach the bound.
  rnc::WeightMap folded;
  folded.tensors["c.weight"] = rnc::Tensor({2, 3, 1, 1}, {0.6f, -1.0f, 0.25f, 0.01f, 0.02f, -0.03f});
  const rnc::ActivationScales scales{{0, 0.1f}, {1, 0.2f}};
  for (const rnc::Target& t : rnc::targets()) {
    const int want = t.name == "avx512" || t.name == "avx2" ? 63 : 127;
    INFO("target " << std::string(t.name));
    CHECK(t.int8_weight_max() == want);
    rnc::QConvRecipe r;
    r.weight = "c.weight", r.weight_shape = {2, 3, 1, 1}, r.in = 0, r.out = 1, r.weight_max = t.int8_weight_max();
    const QConvLayer q = rnc::quantize_conv(r, folded, scales);
    CHECK(q.weight == (want == 63 ? std::vector<std::int8_t>{38, -63, 16, 21, 42, -63}
                                  : std::vector<std::int8_t>{76, -127, 32, 42, 85, -127}));
    // The multipliers carry the coarser weight scale: s_in * (max|w| / want) / s_out.
    CHECK(q.mult[0] == doctest::Approx(0.1 * (1.0 / want) / 0.2));
  }
}

TEST_CASE("qconv plan: the target's weight range reaches the int8 model and its recipes, and is described") {
  const rnc::Graph graph = rnc::read_spec(std::string(RESNETC_SOURCE_DIR) + "/tests/specs/int8_exact.json");
  rnc::CompileOptions options;
  options.precision = rnc::Precision::kInt8;
  for (const char* target : {"avx512vnni", "avx512", "avx2", "generic"}) {
    options.target = target;
    const rnc::Model model = rnc::prepare_model(graph, options);
    CHECK(model.int8_weight_max == rnc::resolve_target(target).target->int8_weight_max());
    for (const rnc::Node& n : model.graph.nodes)
      if (rnc::is_int8_conv(model, n)) CHECK(rnc::qconv_recipe(model, n).weight_max == model.int8_weight_max);
  }
  CHECK(rnc::resolve_target("avx2").target->describe_int8_weights() ==
        "s8 in [-63, 63] per output channel (7-bit: avx2 has no VNNI, and vpmaddubsw saturates pairs of 8-bit "
        "products)");
  CHECK(rnc::resolve_target("avx512vnni").target->describe_int8_weights() ==
        "s8 in [-127, 127] per output channel (8-bit, vpdpbusd)");
}

// --- float <-> int8 conversions ------------------------------------------------------------------

template <QuantCfg C>
void check_conversions() {
  constexpr Blocked F = C.in, Q = C.out;  // the float side and the int8 side (halos may differ)
  std::mt19937 rng(F.c * 131 + F.h * 7 + F.w + C.is_signed);
  std::uniform_real_distribution<float> d(-40.0f, 40.0f);
  // Float input: random values, exact halves (rounding to even), huge values and NaN.
  std::vector<float> in(static_cast<std::size_t>(F.floats()), 0.0f);
  std::vector<float> values;
  for (int i = 0; i < F.n; ++i)
    for (int c = 0; c < F.c; ++c)
      for (int y = 0; y < F.h; ++y)
        for (int x = 0; x < F.w; ++x) {
          const int kind = uniform(rng, 0, 9);
          const float v = kind == 0   ? std::nanf("")
                          : kind == 1 ? 0.125f * static_cast<float>(uniform(rng, -2000, 2000))
                          : kind == 2 ? std::numeric_limits<float>::infinity() * (x % 2 ? 1.0f : -1.0f)
                                      : d(rng);
          in[static_cast<std::size_t>(F.at(i, c / F.lanes, y, x) + c % F.lanes)] = v;
        }
  const float scale = 0.25f, inv_scale = 1.0f / scale;
  const float w0_quantize[1] = {inv_scale}, w0_dequantize[1] = {scale};

  // Expected int8 side: quantize_value per element, zero halo and padding channels.
  std::vector<std::uint8_t> want_q(static_cast<std::size_t>(Q.floats()), 0);
  for (int i = 0; i < F.n; ++i)
    for (int b = 0; b < F.cb(); ++b)
      for (int y = 0; y < F.h; ++y)
        for (int x = 0; x < F.w; ++x)
          for (int l = 0; l < F.lanes; ++l)
            want_q[static_cast<std::size_t>(Q.at(i, b, y, x) + l)] = static_cast<std::uint8_t>(
                rnc::kern::quantize_value(in[static_cast<std::size_t>(F.at(i, b, y, x) + l)], inv_scale, C.is_signed));
  const Args qa{.in0 = in.data(), .w0 = w0_quantize};
  check_qkernel("quantize scalar", rnc::kern::quantize_blocked_with<rnc::kern::ScalarRows, C>, qa, want_q);
  check_qkernel("quantize dispatch", rnc::kern::quantize_blocked<C>, qa, want_q);

  // Back: the int8 side (in float storage) to floats q * scale, compared bit for bit.
  std::vector<float> q_stored((want_q.size() + 3) / 4, 0.0f);
  std::memcpy(q_stored.data(), want_q.data(), want_q.size());
  constexpr QuantCfg D{.in = Q, .out = F, .is_signed = C.is_signed};
  std::vector<float> want_f(static_cast<std::size_t>(F.floats()), 0.0f);
  for (int i = 0; i < F.n; ++i)
    for (int b = 0; b < F.cb(); ++b)
      for (int y = 0; y < F.h; ++y)
        for (int x = 0; x < F.w; ++x)
          for (int l = 0; l < F.lanes; ++l) {
            const std::uint8_t q = want_q[static_cast<std::size_t>(Q.at(i, b, y, x) + l)];
            want_f[static_cast<std::size_t>(F.at(i, b, y, x) + l)] =
                static_cast<float>(C.is_signed ? static_cast<std::int8_t>(q) : q) * scale;
          }
  const std::vector<std::uint8_t> want_f_bytes = as_bytes(want_f, F.floats() * 4);
  const Args da{.in0 = q_stored.data(), .w0 = w0_dequantize};
  check_qkernel("dequantize scalar", rnc::kern::dequantize_blocked_with<rnc::kern::ScalarRows, D>, da, want_f_bytes);
  check_qkernel("dequantize dispatch", rnc::kern::dequantize_blocked<D>, da, want_f_bytes);
#if RNC_TEST_QAVX2
  if (rnc::rt::cpu_supports("avx2")) {
    check_qkernel("quantize avx2", rnc::kern::quantize_blocked_with<rnc::kern::YmmRows, C>, qa, want_q);
    check_qkernel("dequantize avx2", rnc::kern::dequantize_blocked_with<rnc::kern::YmmRows, D>, da, want_f_bytes);
  }
#endif
#if RNC_TEST_QAVX512
  if (rnc::rt::cpu_supports("avx512")) {
    check_qkernel("quantize avx512", rnc::kern::quantize_blocked_with<rnc::kern::ZmmRows, C>, qa, want_q);
    check_qkernel("dequantize avx512", rnc::kern::dequantize_blocked_with<rnc::kern::ZmmRows, D>, da, want_f_bytes);
  }
#endif
}

TEST_CASE("qconv quantize_blocked / dequantize_blocked equal the scalar definitions") {
  // QuantCfg{float side, int8 side, signed}: halos differ, channels not multiples of the lanes,
  // rows whose w x lanes is not a multiple of 16 (the vector rows' scalar tail).
  check_conversions<QuantCfg{{2, 20, 5, 7, 1, 16}, {2, 20, 5, 7, 0, 16}, true}>();
  check_conversions<QuantCfg{{1, 40, 6, 3, 0, 16}, {1, 40, 6, 3, 1, 16}, false}>();
  check_conversions<QuantCfg{{2, 12, 3, 5, 1, 8}, {2, 12, 3, 5, 2, 8}, true}>();
  check_conversions<QuantCfg{{1, 24, 4, 3, 0, 8}, {1, 24, 4, 3, 1, 8}, false}>();
}

// --- blocking rule -------------------------------------------------------------------------------

TEST_CASE("qconv choose_qconv_blocking: 7 px x 2 blocks on ResNet layers; blocks divide, tiles stay small") {
  for (const rnc::ConvShape& s : {rnc::ConvShape{1, 64, 64, 56, 56, 3}, rnc::ConvShape{1, 512, 512, 7, 7, 3},
                                  rnc::ConvShape{1, 256, 512, 7, 7, 1}, rnc::ConvShape{1, 64, 256, 56, 56, 1},
                                  rnc::ConvShape{1, 2048, 512, 7, 7, 1}}) {
    const rnc::ConvBlocking b = rnc::choose_qconv_blocking(s);
    CHECK(b.ow_block * b.oh_block == 7);
    CHECK(b.oc_blocks == 2);
    CHECK(b.ic_chunk == 0);
  }
  for (std::int64_t w : {1, 3, 7, 12, 23, 46, 56, 67})
    for (std::int64_t h : {1, 3, 17})
      for (std::int64_t c_out : {16, 48, 512})
        for (std::int64_t k : {1, 3}) {
          const rnc::ConvShape s{2, 64, c_out, h, w, k};
          const rnc::ConvBlocking b = rnc::choose_qconv_blocking(s);
          INFO("w " << w << " h " << h << " c_out " << c_out << " k " << k);
          REQUIRE(w % b.ow_block == 0);
          REQUIRE(h % b.oh_block == 0);
          REQUIRE((c_out + 15) / 16 % b.oc_blocks == 0);
          REQUIRE(b.ow_block * b.oh_block * b.oc_blocks + b.oc_blocks + 1 <= rnc::kQConvRegisters);
          REQUIRE(b.ic_chunk == 0);
        }
}

TEST_CASE("qconv choose_qconv_blocking: AVX2 tiles within 16 ymm registers") {
  const rnc::VectorIsa avx2{.lanes = 8, .registers = 16};
  // ResNet layers: the measured tiles (qconv_blocking.hpp).
  struct Want {
    rnc::ConvShape s;
    int ow, oh, ocb;
  };
  for (const Want& w : {Want{{1, 64, 64, 56, 56, 3}, 4, 1, 2}, Want{{1, 128, 128, 28, 28, 3}, 4, 1, 2},
                        Want{{1, 256, 256, 14, 14, 3}, 2, 2, 2}, Want{{1, 512, 512, 7, 7, 3}, 7, 1, 1},
                        Want{{1, 256, 64, 56, 56, 1}, 4, 1, 2}, Want{{1, 1024, 256, 14, 14, 1}, 2, 2, 2}}) {
    const rnc::ConvBlocking b = rnc::choose_qconv_blocking(w.s, avx2);
    INFO("out " << w.s.out_h << "x" << w.s.out_w << " k " << w.s.kernel);
    CHECK(b.ow_block == w.ow);
    CHECK(b.oh_block == w.oh);
    CHECK(b.oc_blocks == w.ocb);
  }
  for (std::int64_t w : {1, 3, 7, 12, 23, 46, 56, 67})
    for (std::int64_t h : {1, 3, 17})
      for (std::int64_t c_out : {8, 24, 512})
        for (std::int64_t k : {1, 3}) {
          const rnc::ConvShape s{2, 64, c_out, h, w, k};
          const rnc::ConvBlocking b = rnc::choose_qconv_blocking(s, avx2);
          INFO("w " << w << " h " << h << " c_out " << c_out << " k " << k);
          REQUIRE(w % b.ow_block == 0);
          REQUIRE(h % b.oh_block == 0);
          REQUIRE((c_out + 7) / 8 % b.oc_blocks == 0);
          REQUIRE(b.ow_block * b.oh_block * b.oc_blocks + b.oc_blocks + 1 <= 16);
          REQUIRE(rnc::qconv_maddubs_registers(b) <= 16);
          REQUIRE(b.ic_chunk == 0);
        }
}

}  // namespace
