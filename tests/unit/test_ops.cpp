// Unit tests for dsl/ir/ops: every op's reference implementation on tiny cases whose expected values
// are computed by hand (the arithmetic is in the comments), and every op's shape inference,
// parameter list and error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "dsl/ir/ops/ops.hpp"
#include "dsl/ir/shape.hpp"

namespace {

using rnc::Diagnostics;
using rnc::Shape;
using rnc::Tensor;

Tensor make(Shape shape, std::vector<float> values) {
  Tensor t(std::move(shape));
  REQUIRE(t.data.size() == values.size());
  t.data = std::move(values);
  return t;
}

// Runs the op's shape inference (which must succeed) and its reference implementation.
template <class Op>
Tensor run(const Op& op, std::initializer_list<const Tensor*> inputs,
           std::initializer_list<const Tensor*> params = {}) {
  std::vector<Shape> shapes;
  for (const Tensor* t : inputs) shapes.push_back(t->shape);
  Diagnostics diags;
  const std::optional<Shape> out_shape = op.infer(shapes, diags, "/test");
  REQUIRE(diags.ok());
  REQUIRE(out_shape.has_value());
  Tensor out(*out_shape);
  const std::vector<const Tensor*> in(inputs), p(params);
  op.reference(in, p, out);
  return out;
}

// Element-by-element comparison; a failure names the flat index.
void check_values(const Tensor& got, const std::vector<float>& expected, double eps = 1e-6) {
  REQUIRE(got.data.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("at flat index " << i << " of " << rnc::to_string(got.shape));
    CHECK(got.data[i] == doctest::Approx(expected[i]).epsilon(eps));
  }
}

struct Inferred {
  std::optional<Shape> shape;
  std::string messages;  // every diagnostic as "where: what", one per line
};

template <class Op>
Inferred infer(const Op& op, std::initializer_list<Shape> shapes) {
  const std::vector<Shape> in(shapes);
  Diagnostics diags;
  Inferred result;
  result.shape = op.infer(in, diags, "/stages/0/layers/3");
  for (const auto& d : diags.items()) result.messages += d.where.to_string() + ": " + d.what + "\n";
  // A failed inference always says why; a successful one says nothing.
  CHECK(result.shape.has_value() == diags.ok());
  return result;
}

rnc::Conv2d conv(std::int64_t out_channels, std::int64_t kernel, std::int64_t stride, std::int64_t padding, bool bias) {
  rnc::Conv2d c;
  c.out_channels = out_channels;
  c.kernel = kernel;
  c.stride = stride;
  c.padding = padding;
  c.bias = bias;
  return c;
}

}  // namespace

// --- conv2d --------------------------------------------------------------------------------------

TEST_CASE("conv2d reference: 1x1, batch 2, 2 in / 2 out channels, bias on and off") {
  // x[n][c][0][w]: n0: c0 = [1, 2], c1 = [3, 4];  n1: c0 = [5, 6], c1 = [7, 8]
  const Tensor x = make({2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  // w[oc][ic]: oc0 = [1, 10], oc1 = [-1, 0.5]
  const Tensor w = make({2, 2, 1, 1}, {1, 10, -1, 0.5f});
  const Tensor b = make({2}, {0.5f, -1});
  SUBCASE("bias on") {
    // n0 oc0: 1*1 + 3*10 + 0.5 = 31.5;  2*1 + 4*10 + 0.5 = 42.5
    // n0 oc1: 1*-1 + 3*0.5 - 1 = -0.5;  2*-1 + 4*0.5 - 1 = -1
    // n1 oc0: 5 + 70 + 0.5 = 75.5;      6 + 80 + 0.5 = 86.5
    // n1 oc1: -5 + 3.5 - 1 = -2.5;      -6 + 4 - 1 = -3
    const Tensor y = run(conv(2, 1, 1, 0, true), {&x}, {&w, &b});
    CHECK(y.shape == Shape{2, 2, 1, 2});
    check_values(y, {31.5f, 42.5f, -0.5f, -1, 75.5f, 86.5f, -2.5f, -3});
  }
  SUBCASE("bias off") {
    // The same sums without the bias: 31, 42 | 0.5, 0 | 75, 86 | -1.5, -2
    const Tensor y = run(conv(2, 1, 1, 0, false), {&x}, {&w});
    check_values(y, {31, 42, 0.5f, 0, 75, 86, -1.5f, -2});
  }
}

TEST_CASE("conv2d reference: 3x3, padding 1, stride 1, asymmetric kernel (cross-correlation, not flipped)") {
  // x = 1 2 3 / 4 5 6 / 7 8 9; kernel k[0][0] = 1 (top left), k[2][1] = 10 (bottom middle), rest 0,
  // so y(h, w) = x(h-1, w-1) + 10 * x(h+1, w), zero outside:
  //   y(0,0) = 0 + 10*4 = 40   y(0,1) = 0 + 10*5 = 50   y(0,2) = 0 + 10*6 = 60
  //   y(1,0) = 0 + 10*7 = 70   y(1,1) = 1 + 10*8 = 81   y(1,2) = 2 + 10*9 = 92
  //   y(2,0) = 0 + 0 = 0       y(2,1) = 4 + 0 = 4       y(2,2) = 5 + 0 = 5
  const Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w = make({1, 1, 3, 3}, {1, 0, 0, 0, 0, 0, 0, 10, 0});
  const Tensor y = run(conv(1, 3, 1, 1, false), {&x}, {&w});
  CHECK(y.shape == Shape{1, 1, 3, 3});
  check_values(y, {40, 50, 60, 70, 81, 92, 0, 4, 5});
}

TEST_CASE("conv2d reference: 3x3, padding 1, stride 2, bias 0.5") {
  // Output (3 + 2 - 3) / 2 + 1 = 2 per side; y(oh, ow) is the stride-1 result above at (2oh, 2ow)
  // plus the bias: 40 + 0.5, 60 + 0.5, 0 + 0.5, 5 + 0.5.
  const Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w = make({1, 1, 3, 3}, {1, 0, 0, 0, 0, 0, 0, 10, 0});
  const Tensor b = make({1}, {0.5f});
  const Tensor y = run(conv(1, 3, 2, 1, true), {&x}, {&w, &b});
  CHECK(y.shape == Shape{1, 1, 2, 2});
  check_values(y, {40.5f, 60.5f, 0.5f, 5.5f});
}

TEST_CASE("conv2d reference: 3x3, padding 1, 2 in / 2 out channels, bias [1, 2]") {
  // x: c0 = 1 2 / 3 4, c1 = 10 20 / 30 40.
  // oc0: ic0 centre tap 1, ic1 centre tap -1  => c0 - c1 = -9 -18 / -27 -36, + bias 1 = -8 -17 / -26 -35
  // oc1: ic0 all ones (every 3x3 window around a pixel of a 2x2 image covers all 4: 1+2+3+4 = 10),
  //      ic1 top-left tap 1 => x1(h-1, w-1): only (1,1) sees x1(0,0) = 10
  //      => 10 10 / 10 20, + bias 2 = 12 12 / 12 22
  const Tensor x = make({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40});
  const Tensor w = make({2, 2, 3, 3}, {0, 0, 0, 0, 1,  0, 0, 0, 0,    // oc0 ic0
                                       0, 0, 0, 0, -1, 0, 0, 0, 0,    // oc0 ic1
                                       1, 1, 1, 1, 1,  1, 1, 1, 1,    // oc1 ic0
                                       1, 0, 0, 0, 0,  0, 0, 0, 0});  // oc1 ic1
  const Tensor b = make({2}, {1, 2});
  const Tensor y = run(conv(2, 3, 1, 1, true), {&x}, {&w, &b});
  CHECK(y.shape == Shape{1, 2, 2, 2});
  check_values(y, {-8, -17, -26, -35, 12, 12, 12, 22});
}

TEST_CASE("conv2d shape inference: 7x7/s2/p3 on [1,3,224,224], 3x3/s2/p1 on odd 7x7, 1x1/s2 on 7x7") {
  // (224 + 6 - 7) / 2 + 1 = 112
  CHECK(infer(conv(64, 7, 2, 3, true), {{1, 3, 224, 224}}).shape == Shape{1, 64, 112, 112});
  // (7 + 2 - 3) / 2 + 1 = 4
  CHECK(infer(conv(8, 3, 2, 1, true), {{2, 4, 7, 7}}).shape == Shape{2, 8, 4, 4});
  // (7 - 1) / 2 + 1 = 4
  CHECK(infer(conv(8, 1, 2, 0, true), {{1, 4, 7, 7}}).shape == Shape{1, 8, 4, 4});
  // Non-square input: (5 + 2 - 3) / 1 + 1 = 5, (9 + 2 - 3) / 1 + 1 = 9
  CHECK(infer(conv(3, 3, 1, 1, true), {{1, 2, 5, 9}}).shape == Shape{1, 3, 5, 9});
  // Kernel exactly the padded size: (2 + 2 - 4) / 1 + 1 = 1
  CHECK(infer(conv(1, 4, 1, 1, true), {{1, 1, 2, 2}}).shape == Shape{1, 1, 1, 1});
}

TEST_CASE("conv2d shape inference errors: kernel 5 on padded 4x4, rank-2 input, too many elements") {
  SUBCASE("kernel larger than the padded input") {
    const Inferred r = infer(conv(4, 5, 1, 1, true), {{1, 1, 2, 2}});
    CHECK_FALSE(r.shape.has_value());
    CHECK(r.messages ==
          "/stages/0/layers/3: conv2d: kernel 5 is larger than the padded input 4x4 (input [1,1,2,2], "
          "padding 1)\n");
  }
  SUBCASE("kernel larger than the padded height only") {
    const Inferred r = infer(conv(4, 3, 1, 0, true), {{1, 1, 2, 8}});
    CHECK_FALSE(r.shape.has_value());
    CHECK(r.messages.find("kernel 3 is larger than the padded input 2x8") != std::string::npos);
  }
  SUBCASE("rank 2") {
    const Inferred r = infer(conv(4, 3, 1, 1, true), {{1, 64}});
    CHECK_FALSE(r.shape.has_value());
    CHECK(r.messages == "/stages/0/layers/3: conv2d expects a rank-4 input, got [1,64]\n");
  }
  SUBCASE("output with too many elements") {
    // 2^20 x 2^20 x 2 channels = 2^41 > 2^40
    const Inferred r = infer(conv(2, 1, 1, 0, true), {{1, 1, 1 << 20, 1 << 20}});
    CHECK_FALSE(r.shape.has_value());
    CHECK(r.messages.find("too many elements") != std::string::npos);
  }
}

TEST_CASE("conv2d params and MACs: 3x3 3->8 with and without bias") {
  const std::vector<Shape> in{{1, 3, 8, 8}};
  const auto with_bias = conv(8, 3, 1, 1, true).params(in);
  REQUIRE(with_bias.size() == 2);
  CHECK(with_bias[0].suffix == "weight");
  CHECK(with_bias[0].shape == Shape{8, 3, 3, 3});
  CHECK(with_bias[1].suffix == "bias");
  CHECK(with_bias[1].shape == Shape{8});
  const auto without = conv(8, 3, 1, 1, false).params(in);
  REQUIRE(without.size() == 1);
  CHECK(without[0].shape == Shape{8, 3, 3, 3});
  // 8*8*8 outputs, each 3*3*3 MACs: 512 * 27 = 13824
  CHECK(conv(8, 3, 1, 1, true).macs(in, Shape{1, 8, 8, 8}) == 13824);
}

// --- batchnorm2d ---------------------------------------------------------------------------------

TEST_CASE("batchnorm2d reference: batch 2, 2 channels, eps 0.25 used in the denominator") {
  // y = (x - mean) / sqrt(var + eps) * gamma + beta, eps = 0.25:
  // c0: gamma 2, beta 1, mean 2, var 3.75 -> sqrt(4) = 2: y = (x - 2) / 2 * 2 + 1 = x - 1
  // c1: gamma 1.5, beta 0, mean -1, var 0 -> sqrt(0.25) = 0.5: y = (x + 1) / 0.5 * 1.5 = 3x + 3
  // n0: c0 [1, 3] -> [0, 2];  c1 [0, -2] -> [3, -3]
  // n1: c0 [5, -1] -> [4, -2]; c1 [1, 2] -> [6, 9]
  const Tensor x = make({2, 2, 1, 2}, {1, 3, 0, -2, 5, -1, 1, 2});
  const Tensor gamma = make({2}, {2, 1.5f}), beta = make({2}, {1, 0});
  const Tensor mean = make({2}, {2, -1}), var = make({2}, {3.75f, 0});
  rnc::BatchNorm2d bn;
  bn.eps = 0.25;
  const Tensor y = run(bn, {&x}, {&gamma, &beta, &mean, &var});
  CHECK(y.shape == Shape{2, 2, 1, 2});
  check_values(y, {0, 2, 3, -3, 4, -2, 6, 9});
}

TEST_CASE("batchnorm2d reference: default eps 1e-5") {
  // var = 0.01, eps = 1e-5: y = x / sqrt(0.01001) = x / 0.100049988... ; x = 1 -> 9.99500374...
  // (with eps ignored it would be exactly 10)
  const Tensor x = make({1, 1, 1, 1}, {1});
  const Tensor gamma = make({1}, {1}), beta = make({1}, {0}), mean = make({1}, {0}), var = make({1}, {0.01f});
  const rnc::BatchNorm2d bn;
  CHECK(bn.eps == 1e-5);
  const Tensor y = run(bn, {&x}, {&gamma, &beta, &mean, &var});
  CHECK(y.data[0] == doctest::Approx(1.0 / std::sqrt(double(0.01f) + 1e-5)).epsilon(1e-7));
  CHECK(y.data[0] < 9.9951f);
}

TEST_CASE("batchnorm2d shape inference, params and rank error") {
  const rnc::BatchNorm2d bn;
  CHECK(infer(bn, {{2, 5, 3, 4}}).shape == Shape{2, 5, 3, 4});
  const auto p = bn.params(std::vector<Shape>{{2, 5, 3, 4}});
  REQUIRE(p.size() == 4);
  CHECK(p[0].suffix == "weight");
  CHECK(p[1].suffix == "bias");
  CHECK(p[2].suffix == "running_mean");
  CHECK(p[3].suffix == "running_var");
  for (const auto& s : p) CHECK(s.shape == Shape{5});
  const Inferred r = infer(bn, {{1, 4}});
  CHECK(r.messages == "/stages/0/layers/3: batchnorm2d expects a rank-4 input, got [1,4]\n");
}

// --- relu ----------------------------------------------------------------------------------------

TEST_CASE("relu reference: rank 2 and rank 4, negatives and zero clamp to 0") {
  const Tensor x = make({1, 5}, {-1.5f, 0, 2, -0.0f, 3.25f});
  const Tensor y = run(rnc::Relu{}, {&x});
  CHECK(y.shape == Shape{1, 5});
  check_values(y, {0, 0, 2, 0, 3.25f});
  const Tensor x4 = make({1, 2, 1, 2}, {-7, 7, 0.5f, -0.5f});
  check_values(run(rnc::Relu{}, {&x4}), {0, 7, 0.5f, 0});
  CHECK(rnc::Relu{}.params(std::vector<Shape>{{1, 5}}).empty());
}

// --- maxpool2d -----------------------------------------------------------------------------------

namespace {
rnc::MaxPool2d maxpool(std::int64_t k, std::int64_t s, std::int64_t p) {
  rnc::MaxPool2d m;
  m.kernel = k;
  m.stride = s;
  m.padding = p;
  return m;
}
}  // namespace

TEST_CASE("maxpool2d reference: 3x3/s1/p1 on an all-negative 2x2 input (padding is -inf, not 0)") {
  // Every 3x3 window around a pixel of a 2x2 image covers all four values: max(-1,-2,-3,-4) = -1.
  // Zero padding would give 0 everywhere.
  const Tensor x = make({1, 1, 2, 2}, {-1, -2, -3, -4});
  const Tensor y = run(maxpool(3, 1, 1), {&x});
  CHECK(y.shape == Shape{1, 1, 2, 2});
  check_values(y, {-1, -1, -1, -1});
}

TEST_CASE("maxpool2d reference: 2x2/s2/p1 on an all-negative 3x3 input") {
  // x = -1 -2 -3 / -4 -5 -6 / -7 -8 -9; output (3 + 2 - 2) / 2 + 1 = 2 per side.
  // (0,0): rows -1..0, cols -1..0 -> only x(0,0) = -1
  // (0,1): rows -1..0, cols 1..2  -> x(0,1), x(0,2) = -2, -3 -> -2
  // (1,0): rows 1..2,  cols -1..0 -> x(1,0), x(2,0) = -4, -7 -> -4
  // (1,1): rows 1..2,  cols 1..2  -> -5, -6, -8, -9 -> -5
  const Tensor x = make({1, 1, 3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  const Tensor y = run(maxpool(2, 2, 1), {&x});
  CHECK(y.shape == Shape{1, 1, 2, 2});
  check_values(y, {-1, -2, -4, -5});
}

TEST_CASE("maxpool2d reference: 2x2/s2/p0, 2 channels, per-channel max") {
  // c0 = 1 5 2 0 / 3 4 8 1 / 0 0 -1 -2 / 0 9 -3 -4 -> windows: max(1,5,3,4)=5, max(2,0,8,1)=8,
  //      max(0,0,0,9)=9, max(-1,-2,-3,-4)=-1
  // c1 = all 2 except one 7 at (3,3) -> 2, 2, 2, 7
  const Tensor x = make({1, 2, 4, 4}, {1, 5, 2, 0, 3, 4, 8, 1, 0, 0, -1, -2, 0, 9, -3, -4,  //
                                       2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  2,  2, 2, 2,  7});
  check_values(run(maxpool(2, 2, 0), {&x}), {5, 8, 9, -1, 2, 2, 2, 7});
}

TEST_CASE("maxpool2d shape inference: 3x3/s2/p1 on [1,64,112,112], errors on rank 2 and small input") {
  // (112 + 2 - 3) / 2 + 1 = 56
  CHECK(infer(maxpool(3, 2, 1), {{1, 64, 112, 112}}).shape == Shape{1, 64, 56, 56});
  // (7 + 0 - 2) / 2 + 1 = 3 (floor)
  CHECK(infer(maxpool(2, 2, 0), {{1, 3, 7, 7}}).shape == Shape{1, 3, 3, 3});
  CHECK(infer(maxpool(3, 2, 1), {{1, 64}}).messages ==
        "/stages/0/layers/3: maxpool2d expects a rank-4 input, got [1,64]\n");
  const Inferred r = infer(maxpool(5, 1, 1), {{1, 2, 2, 2}});
  CHECK(r.messages.find("maxpool2d: kernel 5 is larger than the padded input 4x4") != std::string::npos);
  CHECK(maxpool(3, 2, 1).params(std::vector<Shape>{{1, 64, 112, 112}}).empty());
}

// --- avgpool2d -----------------------------------------------------------------------------------

namespace {
rnc::AvgPool2d avgpool(std::int64_t k, std::int64_t s, std::int64_t p) {
  rnc::AvgPool2d a;
  a.kernel = k;
  a.stride = s;
  a.padding = p;
  return a;
}
}  // namespace

TEST_CASE("avgpool2d reference: 3x3/s2/p1 on 3x3, count_include_pad divides border windows by 9") {
  // x = 1..9; windows centred on the corners (0,0), (0,2), (2,0), (2,2) hold 4 real values each:
  // (1+2+4+5)/9 = 12/9, (2+3+5+6)/9 = 16/9, (4+5+7+8)/9 = 24/9, (5+6+8+9)/9 = 28/9
  // (dividing by the 4 real values instead would give 3, 4, 6, 7)
  const Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor y = run(avgpool(3, 2, 1), {&x});
  CHECK(y.shape == Shape{1, 1, 2, 2});
  check_values(y, {12.0f / 9, 16.0f / 9, 24.0f / 9, 28.0f / 9});
}

TEST_CASE("avgpool2d reference: without count_include_pad border windows divide by their real values") {
  // The windows of the case above hold 4 real values each: 12/4, 16/4, 24/4, 28/4.
  const Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  rnc::AvgPool2d pool = avgpool(3, 2, 1);
  pool.count_include_pad = false;
  check_values(run(pool, {&x}), {3.0f, 4.0f, 6.0f, 7.0f});
  CHECK(pool.summary() == "avgpool3x3/s2/p1 excl-pad");
}

TEST_CASE("avgpool2d reference: 2x2/s2/p0 on 4x4") {
  // x = 0..15 row-major: windows {0,1,4,5} = 2.5, {2,3,6,7} = 4.5, {8,9,12,13} = 10.5, {10,11,14,15} = 12.5
  Tensor x(Shape{1, 1, 4, 4});
  for (std::size_t i = 0; i < 16; ++i) x.data[i] = float(i);
  check_values(run(avgpool(2, 2, 0), {&x}), {2.5f, 4.5f, 10.5f, 12.5f});
}

TEST_CASE("avgpool2d shape inference: 3x3/s1/p1 keeps 5x6, rank error") {
  CHECK(infer(avgpool(3, 1, 1), {{2, 3, 5, 6}}).shape == Shape{2, 3, 5, 6});
  CHECK(infer(avgpool(2, 2, 0), {{1, 8}}).messages ==
        "/stages/0/layers/3: avgpool2d expects a rank-4 input, got [1,8]\n");
  // 2x2 window, 4 outputs of 4 additions each -> macs 4 * 4 = 16 per channel; 3 channels -> 48
  CHECK(avgpool(2, 2, 0).macs(std::vector<Shape>{{1, 3, 4, 4}}, Shape{1, 3, 2, 2}) == 48);
}

// --- global_avgpool ------------------------------------------------------------------------------

TEST_CASE("global_avgpool reference: [1,2,2,3] -> [1,2,1,1]") {
  // c0 = 1..6: 21 / 6 = 3.5;  c1 = 0,0,0,0,0,12: 12 / 6 = 2
  const Tensor x = make({1, 2, 2, 3}, {1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 12});
  const Tensor y = run(rnc::GlobalAvgPool{}, {&x});
  CHECK(y.shape == Shape{1, 2, 1, 1});
  check_values(y, {3.5f, 2});
}

TEST_CASE("global_avgpool shape inference: batch 3, rank-2 error") {
  CHECK(infer(rnc::GlobalAvgPool{}, {{3, 512, 7, 7}}).shape == Shape{3, 512, 1, 1});
  CHECK(infer(rnc::GlobalAvgPool{}, {{3, 512}}).messages ==
        "/stages/0/layers/3: global_avgpool expects a rank-4 input, got [3,512]\n");
}

// --- flatten -------------------------------------------------------------------------------------

TEST_CASE("flatten reference: [2,2,1,2] -> [2,4] in NCHW order") {
  // NCHW flat order is n, then c, then h, then w: the data keeps its order.
  // n0 = (c0: 0 1) (c1: 2 3), n1 = (c0: 4 5) (c1: 6 7) -> [[0,1,2,3], [4,5,6,7]]
  const Tensor x = make({2, 2, 1, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  const Tensor y = run(rnc::Flatten{}, {&x});
  CHECK(y.shape == Shape{2, 4});
  check_values(y, {0, 1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("flatten shape inference: [1,512,1,1] -> [1,512], [3,4,5,6] -> [3,120], rank-1 error") {
  CHECK(infer(rnc::Flatten{}, {{1, 512, 1, 1}}).shape == Shape{1, 512});
  CHECK(infer(rnc::Flatten{}, {{3, 4, 5, 6}}).shape == Shape{3, 120});
  CHECK(infer(rnc::Flatten{}, {{5}}).messages == "/stages/0/layers/3: flatten expects a rank-4 input, got [5]\n");
}

// --- linear --------------------------------------------------------------------------------------

TEST_CASE("linear reference: [2,3] x W[2,3]^T, bias on and off") {
  // x = [[1, 2, 3], [-1, 0, 1]], W = [[1, 0, -1], [0.5, 0.5, 0.5]], b = [10, -1]
  // x W^T = [[1 - 3, 0.5 + 1 + 1.5], [-1 - 1, -0.5 + 0 + 0.5]] = [[-2, 3], [-2, 0]]
  const Tensor x = make({2, 3}, {1, 2, 3, -1, 0, 1});
  const Tensor w = make({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f});
  const Tensor b = make({2}, {10, -1});
  rnc::Linear l;
  l.out_features = 2;
  SUBCASE("bias on") {
    // [[-2 + 10, 3 - 1], [-2 + 10, 0 - 1]] = [[8, 2], [8, -1]]
    const Tensor y = run(l, {&x}, {&w, &b});
    CHECK(y.shape == Shape{2, 2});
    check_values(y, {8, 2, 8, -1});
  }
  SUBCASE("bias off") {
    l.bias = false;
    check_values(run(l, {&x}, {&w}), {-2, 3, -2, 0});
  }
}

TEST_CASE("linear shape inference and params: 512 -> 10, error on a rank-4 input") {
  rnc::Linear l;
  l.out_features = 10;
  CHECK(infer(l, {{4, 512}}).shape == Shape{4, 10});
  const auto p = l.params(std::vector<Shape>{{4, 512}});
  REQUIRE(p.size() == 2);
  CHECK(p[0].shape == Shape{10, 512});
  CHECK(p[1].shape == Shape{10});
  l.bias = false;
  CHECK(l.params(std::vector<Shape>{{4, 512}}).size() == 1);
  const Inferred r = infer(l, {{1, 512, 1, 1}});
  CHECK_FALSE(r.shape.has_value());
  CHECK(r.messages ==
        "/stages/0/layers/3: linear expects a rank-2 input [N, features], got [1,512,1,1] (add a flatten "
        "before it)\n");
}

// --- add -----------------------------------------------------------------------------------------

TEST_CASE("add reference: [1,1,1,3] + [1,1,1,3]") {
  // [1 + 10, 2 - 20, 3 + 0.5] = [11, -18, 3.5]
  const Tensor a = make({1, 1, 1, 3}, {1, 2, 3}), b = make({1, 1, 1, 3}, {10, -20, 0.5f});
  const Tensor y = run(rnc::Add{}, {&a, &b});
  CHECK(y.shape == Shape{1, 1, 1, 3});
  check_values(y, {11, -18, 3.5f});
}

TEST_CASE("add shape inference: equal shapes pass, channel / spatial / rank mismatch fail") {
  CHECK(infer(rnc::Add{}, {{1, 64, 56, 56}, {1, 64, 56, 56}}).shape == Shape{1, 64, 56, 56});
  CHECK(infer(rnc::Add{}, {{1, 2, 4, 4}, {1, 3, 4, 4}}).messages ==
        "/stages/0/layers/3: add: operand shapes differ: [1,2,4,4] + [1,3,4,4] (channels, height and width must "
        "match)\n");
  CHECK(infer(rnc::Add{}, {{1, 2, 4, 4}, {1, 2, 4, 5}}).messages.find("[1,2,4,4] + [1,2,4,5]") != std::string::npos);
  CHECK_FALSE(infer(rnc::Add{}, {{1, 8}, {1, 8, 1, 1}}).shape.has_value());
}

// --- registry and helpers ------------------------------------------------------------------------

TEST_CASE("op registry: names, arity, window_out") {
  const auto names = rnc::op_names();
  const std::vector<std::string_view> expected{"conv2d",         "batchnorm2d", "relu",   "maxpool2d", "avgpool2d",
                                               "global_avgpool", "flatten",     "linear", "add"};
  CHECK(names == expected);
  CHECK(rnc::op_arity(rnc::Op{rnc::Add{}}) == 2);
  CHECK(rnc::op_arity(rnc::Op{rnc::Conv2d{}}) == 1);
  CHECK(rnc::op_name(rnc::Op{rnc::GlobalAvgPool{}}) == "global_avgpool");
  // (224 + 6 - 7) / 2 + 1 = 112; (2 + 0 - 3) < 0 -> nullopt; stride 0 -> nullopt
  CHECK(rnc::ops_detail::window_out(224, 7, 2, 3) == 112);
  CHECK_FALSE(rnc::ops_detail::window_out(2, 3, 1, 0).has_value());
  CHECK_FALSE(rnc::ops_detail::window_out(8, 3, 0, 0).has_value());
}

TEST_CASE("shape helpers: checked_numel limits, to_string") {
  CHECK(rnc::checked_numel({1, 64, 56, 56}) == 200704);
  CHECK(rnc::checked_numel({1 << 20, 1 << 20}) == (std::int64_t{1} << 40));
  CHECK_FALSE(rnc::checked_numel({1 << 20, 1 << 20, 2}).has_value());
  CHECK_FALSE(rnc::checked_numel({4, -1}).has_value());
  CHECK(rnc::checked_numel({}) == 1);
  CHECK(rnc::to_string({1, 64, 56, 56}) == "[1,64,56,56]");
}
