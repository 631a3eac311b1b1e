// Unit tests for dsl/safetensors.cpp and dsl/weights.cpp: the safetensors round trip, dtype
// conversion from hand-assembled files, every malformed-file error (each naming the file and the
// tensor), check_weights' single message listing every problem, and random_weights.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/weights.hpp"
#include "tests/support/files.hpp"

namespace {

namespace fs = std::filesystem;
using rnc::Shape;
using rnc::Tensor;
using rnc::WeightMap;
using rnc::test::TempDir;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string le64(std::uint64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

std::string le16(std::uint16_t v) { return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; }

std::string f32_bytes(std::initializer_list<float> values) {
  std::string out;
  for (float f : values) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  return out;
}

std::string f64_bytes(std::initializer_list<double> values) {
  std::string out;
  for (double d : values) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    out += le64(bits);
  }
  return out;
}

// A safetensors file: 8-byte little-endian header length, the header text as given, the data.
std::string safetensors(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

// Writes `bytes` to a fresh file and reads it back with read_safetensors.
struct Loaded {
  WeightMap weights;
  std::string error;  // CompileError message, empty on success
};

Loaded load(const TempDir& dir, const std::string& bytes, const std::string& name = "w.safetensors") {
  const std::string path = dir.file(name);
  write_bytes(path, bytes);
  Loaded out;
  try {
    out.weights = rnc::read_safetensors(path);
  } catch (const rnc::CompileError& e) {
    out.error = e.what();
  }
  return out;
}

void check_contains(const std::string& message, const std::vector<std::string>& pieces) {
  INFO("message:\n" << message);
  for (const std::string& piece : pieces) {
    INFO("expected piece: " << piece);
    CHECK(message.find(piece) != std::string::npos);
  }
}

std::size_t line_count(const std::string& message) {
  return message.empty() ? 0 : static_cast<std::size_t>(std::count(message.begin(), message.end(), '\n')) + 1;
}

Tensor make(Shape shape, std::vector<float> values) {
  Tensor t(std::move(shape));
  REQUIRE(t.data.size() == values.size());
  t.data = std::move(values);
  return t;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && a.data.size() == b.data.size() &&
         std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
}

// conv 3->4 (3x3, bias) -> bn -> relu -> global_avgpool -> flatten -> linear 4->2
const char* const kSmallSpec = R"({"name": "small", "input": {"shape": [1, 3, 4, 4]}, "stages": [
  {"name": "s", "layers": [
    {"op": "conv2d", "weights": "c", "out_channels": 4, "kernel": 3, "padding": 1},
    {"op": "batchnorm2d", "weights": "n"},
    {"op": "relu"},
    {"op": "global_avgpool"},
    {"op": "flatten"},
    {"op": "linear", "weights": "l", "out_features": 2}]}]})";

rnc::Graph small_graph() { return rnc::parse_spec_json(kSmallSpec, "small.json"); }

std::string check_error(const rnc::Graph& g, const WeightMap& w) {
  try {
    rnc::check_weights(g, w, "w.safetensors");
  } catch (const rnc::CompileError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

// --- round trip ----------------------------------------------------------------------------------

TEST_CASE("write_safetensors / read_safetensors round trip: 3 tensors incl. a scalar, bit-exact") {
  TempDir dir;
  WeightMap w;
  w.tensors["layer.weight"] = make({2, 3}, {1.5f, -2.0f, 0.1f, 1e-30f, -0.0f, 3.4e38f});
  w.tensors["layer.bias"] = make({2}, {std::numeric_limits<float>::denorm_min(), -7.25f});
  w.tensors["scale"] = make({}, {42.0f});
  const std::string path = dir.file("rt.safetensors");
  rnc::write_safetensors(path, w);
  const WeightMap back = rnc::read_safetensors(path);
  CHECK(back.ignored.empty());
  REQUIRE(back.tensors.size() == 3);
  for (const auto& [name, t] : w.tensors) {
    const std::string& tensor = name;  // clang 14 cannot capture a structured binding in INFO
    INFO("tensor " << tensor);
    REQUIRE(back.tensors.contains(name));
    CHECK(back.at(name).shape == t.shape);
    CHECK(same_bits(back.at(name), t));
  }
  // The header length keeps the data 8-byte aligned; the data is exactly the 9 floats.
  const std::string bytes = read_bytes(path);
  std::uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  CHECK(header_len % 8 == 0);
  CHECK(bytes.size() == 8 + header_len + 9 * sizeof(float));
}

TEST_CASE("write_safetensors / read_safetensors round trip: empty map") {
  TempDir dir;
  const std::string path = dir.file("empty.safetensors");
  rnc::write_safetensors(path, WeightMap{});
  const WeightMap back = rnc::read_safetensors(path);
  CHECK(back.tensors.empty());
  CHECK(back.ignored.empty());
}

// --- dtype conversion ----------------------------------------------------------------------------

TEST_CASE("read_safetensors converts F16: 1.5, -2.0, 65504, 2^-24 (subnormal), 0.333251953125, -0") {
  // F16 bits: 1.5 = 0x3E00, -2.0 = 0xC000, 65504 = 0x7BFF (largest), 0x0001 = 2^-24,
  // 0x3555 = (1024 + 341) / 1024 * 2^(13 - 15) = 0.333251953125, 0x8000 = -0
  TempDir dir;
  const std::string data = le16(0x3E00) + le16(0xC000) + le16(0x7BFF) + le16(0x0001) + le16(0x3555) + le16(0x8000);
  const Loaded l = load(dir, safetensors(R"({"h": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 12]}})", data));
  REQUIRE(l.error.empty());
  const Tensor& t = l.weights.at("h");
  CHECK(t.shape == Shape{2, 3});
  CHECK(t.data[0] == 1.5f);
  CHECK(t.data[1] == -2.0f);
  CHECK(t.data[2] == 65504.0f);
  CHECK(t.data[3] == std::ldexp(1.0f, -24));
  CHECK(t.data[4] == 0.333251953125f);
  CHECK(t.data[5] == 0.0f);
  CHECK(std::signbit(t.data[5]));
}

TEST_CASE("read_safetensors converts F16 infinity; check_weights then names the tensor") {
  TempDir dir;
  // 0x7C00 = +inf, 0xFC00 = -inf
  const Loaded l = load(dir, safetensors(R"({"x": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})",
                                         le16(0x3C00) + le16(0xFC00)));
  REQUIRE(l.error.empty());
  CHECK(l.weights.at("x").data[0] == 1.0f);
  CHECK(std::isinf(l.weights.at("x").data[1]));
  CHECK(l.weights.at("x").data[1] < 0);
}

TEST_CASE("read_safetensors converts BF16: 1.5, -2.0, 3.140625") {
  // BF16 is the top half of the f32 bits: 1.5 = 0x3FC0(0000), -2.0 = 0xC000, 3.140625 = 0x4049
  TempDir dir;
  const Loaded l = load(dir, safetensors(R"({"b": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}})",
                                         le16(0x3FC0) + le16(0xC000) + le16(0x4049)));
  REQUIRE(l.error.empty());
  const Tensor& t = l.weights.at("b");
  CHECK(t.data == std::vector<float>{1.5f, -2.0f, 3.140625f});
}

TEST_CASE("read_safetensors converts F64: 1.5, -2.0, 0.1 (rounded to float)") {
  TempDir dir;
  const Loaded l = load(dir, safetensors(R"({"d": {"dtype": "F64", "shape": [1, 3], "data_offsets": [0, 24]}})",
                                         f64_bytes({1.5, -2.0, 0.1})));
  REQUIRE(l.error.empty());
  const Tensor& t = l.weights.at("d");
  CHECK(t.shape == Shape{1, 3});
  CHECK(t.data == std::vector<float>{1.5f, -2.0f, 0.1f});
}

TEST_CASE("read_safetensors: mixed dtypes at offsets, __metadata__ skipped, I64 kept aside") {
  TempDir dir;
  // F32 [2] at [0, 8], F16 [1] at [8, 10], I64 scalar at [16, 24] (bytes 10..16 unused)
  const std::string header = R"({"__metadata__": {"format": "pt"},
      "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "h": {"dtype": "F16", "shape": [1], "data_offsets": [8, 10]},
      "bn.num_batches_tracked": {"dtype": "I64", "shape": [], "data_offsets": [16, 24]}})";
  const std::string data = f32_bytes({0.25f, -8}) + le16(0x3E00) + std::string(6, '\0') + le64(12345);
  const Loaded l = load(dir, safetensors(header, data));
  REQUIRE(l.error.empty());
  CHECK(l.weights.tensors.size() == 2);
  CHECK(l.weights.at("a").data == std::vector<float>{0.25f, -8});
  CHECK(l.weights.at("h").data == std::vector<float>{1.5f});
  CHECK_FALSE(l.weights.tensors.contains("__metadata__"));
  REQUIRE(l.weights.ignored.size() == 1);
  CHECK(l.weights.ignored.at("bn.num_batches_tracked") == "I64");
}

TEST_CASE("check_weights ignores I64 *.num_batches_tracked read from a file, refuses other integer tensors") {
  TempDir dir;
  const rnc::Graph g = rnc::parse_spec_json(
      R"({"name": "bn", "input": {"shape": [1, 2, 2, 2]}, "stages": [{"name": "s", "layers": [{"op": "batchnorm2d", )"
      R"("weights": "bn"}]}]})",
      "bn.json");
  const std::string header = R"({
      "bn.weight": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "bn.bias": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]},
      "bn.running_mean": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]},
      "bn.running_var": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]},
      "bn.num_batches_tracked": {"dtype": "I64", "shape": [], "data_offsets": [32, 40]}})";
  const std::string data = f32_bytes({1, 1, 0, 0, 0, 0, 1, 1}) + le64(7);
  const Loaded l = load(dir, safetensors(header, data));
  REQUIRE(l.error.empty());
  CHECK(l.weights.ignored.contains("bn.num_batches_tracked"));
  CHECK_NOTHROW(rnc::check_weights(g, l.weights, "w.safetensors"));

  SUBCASE("another I64 tensor is unexpected") {
    WeightMap w = l.weights;
    w.ignored["bn.step"] = "I64";
    check_contains(check_error(g, w), {"w.safetensors: tensor \"bn.step\": unexpected I64 tensor"});
  }
  SUBCASE("an expected tensor stored as I32 names its dtype") {
    WeightMap w = l.weights;
    w.tensors.erase("bn.running_var");
    w.ignored["bn.running_var"] = "I32";
    check_contains(check_error(g, w),
                   {"w.safetensors: tensor \"bn.running_var\": has dtype I32; expected a float tensor of shape [2]"});
  }
}

// --- malformed files -----------------------------------------------------------------------------

TEST_CASE("read_safetensors: file of 5 bytes is shorter than the header length") {
  TempDir dir;
  const Loaded l = load(dir, "abcde", "short.safetensors");
  check_contains(l.error,
                 {"short.safetensors: not a safetensors file: 5 bytes, shorter than the 8-byte header length"});
}

TEST_CASE("read_safetensors: empty file") {
  TempDir dir;
  const Loaded l = load(dir, "", "empty.safetensors");
  check_contains(l.error, {"empty.safetensors: not a safetensors file: 0 bytes"});
}

TEST_CASE("read_safetensors: header length 100 past the end of an 18-byte file") {
  TempDir dir;
  const Loaded l = load(dir, le64(100) + std::string(10, ' '), "trunc.safetensors");
  check_contains(l.error, {"trunc.safetensors: header length 100 runs past the end of the file (18 bytes)"});
}

TEST_CASE("read_safetensors: huge header lengths 2^63 and 2^64-1") {
  TempDir dir;
  check_contains(load(dir, le64(std::uint64_t{1} << 63) + "{}").error,
                 {"w.safetensors: header length 9223372036854775808", "not safetensors"});
  check_contains(load(dir, le64(~std::uint64_t{0}) + "{}").error,
                 {"w.safetensors: header length 18446744073709551615"});
  // Just above the 100 MiB limit, with the bytes present: refused without parsing 100 MiB of JSON.
  check_contains(load(dir, le64((std::uint64_t{100} << 20) + 1) + "{}").error, {"exceeds 104857600 bytes"});
}

TEST_CASE("read_safetensors: header that is not JSON, and JSON that is not an object") {
  TempDir dir;
  check_contains(load(dir, safetensors("{not json}", "")).error, {"w.safetensors: the header is not valid JSON"});
  check_contains(load(dir, safetensors("[1, 2]", "")).error, {"w.safetensors: the header must be a JSON object"});
}

TEST_CASE("read_safetensors: data_offsets [0, 8] out of the 4 data bytes, and begin > end") {
  TempDir dir;
  check_contains(
      load(dir, safetensors(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", f32_bytes({1}))).error,
      {"w.safetensors: tensor \"a\": data_offsets [0, 8] lie outside the 4 data bytes of the file"});
  check_contains(
      load(dir, safetensors(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})", f32_bytes({1, 2, 3})))
          .error,
      {"w.safetensors: tensor \"a\": data_offsets [8, 4]"});
}

TEST_CASE("read_safetensors: data_offsets holding 8 bytes for F32 [3] (12 bytes)") {
  TempDir dir;
  check_contains(
      load(dir, safetensors(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", f32_bytes({1, 2, 3})))
          .error,
      {"w.safetensors: tensor \"a\": data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12"});
}

TEST_CASE("read_safetensors: unknown dtype F8_E4M3") {
  TempDir dir;
  check_contains(
      load(dir, safetensors(R"({"q": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}})", "abcd")).error,
      {"w.safetensors: tensor \"q\": unknown dtype \"F8_E4M3\""});
}

TEST_CASE("read_safetensors: malformed entries (missing data_offsets, negative dim, negative offset)") {
  TempDir dir;
  check_contains(
      load(dir, safetensors(R"({"a": {"dtype": "F32", "shape": [1]}})", f32_bytes({1}))).error,
      {"w.safetensors: tensor \"a\": expected {\"dtype\": string, \"shape\": [ints], \"data_offsets\": [begin, end]}"});
  check_contains(
      load(dir, safetensors(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", f32_bytes({1}))).error,
      {"w.safetensors: tensor \"a\": shape [-1] must hold non-negative integers"});
  check_contains(
      load(dir, safetensors(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}})", f32_bytes({1}))).error,
      {"w.safetensors: tensor \"a\": data_offsets [-4,0] must be non-negative integers"});
}

TEST_CASE("read_safetensors: overlapping tensors a [0, 8] and b [4, 12]") {
  TempDir dir;
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})";
  check_contains(load(dir, safetensors(header, f32_bytes({1, 2, 3}))).error,
                 {"w.safetensors: tensor \"b\": data [4, 12] overlaps tensor \"a\" [0, 8]"});
}

TEST_CASE("read_safetensors: every tensor overlapping a large one is reported (a [0, 16], b [4, 8], c [8, 12])") {
  TempDir dir;
  // b and c both lie inside a; c does not overlap its sorted neighbour b, but it does overlap a.
  const std::string header = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
                                 "c": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})";
  const std::string error = load(dir, safetensors(header, f32_bytes({1, 2, 3, 4}))).error;
  check_contains(error, {"w.safetensors: tensor \"b\": data [4, 8] overlaps tensor \"a\" [0, 16]",
                         "w.safetensors: tensor \"c\": data [8, 12] overlaps tensor \"a\" [0, 16]"});
}

TEST_CASE("read_safetensors: an overlap is not hidden by an empty tensor between (a [0, 16], e [4, 4], c [8, 12])") {
  TempDir dir;
  const std::string header = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                 "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
                                 "c": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})";
  const Loaded l = load(dir, safetensors(header, f32_bytes({1, 2, 3, 4})));
  check_contains(l.error, {"w.safetensors: tensor \"c\": data [8, 12] overlaps tensor \"a\" [0, 16]"});
}

TEST_CASE("read_safetensors: an empty tensor at the start of another is not an overlap") {
  TempDir dir;
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                 "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}})";
  const Loaded l = load(dir, safetensors(header, f32_bytes({1, 2})));
  CHECK(l.error.empty());
  CHECK(l.weights.at("e").data.empty());
}

TEST_CASE("read_safetensors: three bad tensors are reported in one message") {
  TempDir dir;
  const std::string header = R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]},
                                 "b": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]},
                                 "c": {"dtype": "F32", "shape": [1], "data_offsets": [0, 400]}})";
  const std::string error = load(dir, safetensors(header, f32_bytes({1, 2}))).error;
  check_contains(error, {"tensor \"a\": data_offsets [0, 8] hold 8 bytes", "tensor \"b\": unknown dtype \"X9\"",
                         "tensor \"c\": data_offsets [0, 400] lie outside"});
  CHECK(line_count(error) == 3);
}

TEST_CASE("read_safetensors: missing file names the path") {
  try {
    (void)rnc::read_safetensors("/nonexistent/dir/w.safetensors");
    FAIL("expected a CompileError");
  } catch (const rnc::CompileError& e) {
    CHECK(std::string(e.what()) == "/nonexistent/dir/w.safetensors: cannot open file");
  }
}

// --- check_weights -------------------------------------------------------------------------------

TEST_CASE("check_weights: random weights of the small graph pass") {
  const rnc::Graph g = small_graph();
  CHECK_NOTHROW(rnc::check_weights(g, rnc::random_weights(g, 1), "w.safetensors"));
}

TEST_CASE("check_weights: 2 missing, 2 mis-shaped, 2 unexpected, 1 NaN and 1 Inf tensor in ONE message") {
  const rnc::Graph g = small_graph();
  WeightMap w = rnc::random_weights(g, 1);
  w.tensors.erase("c.weight");                    // missing
  w.tensors.erase("n.running_mean");              // missing
  w.tensors["n.running_var"] = Tensor(Shape{5});  // mis-shaped (expects [4])
  w.tensors["l.weight"] = Tensor(Shape{4, 2});    // mis-shaped (expects [2,4])
  w.tensors["extra.weight"] = Tensor(Shape{3});   // unexpected float tensor
  w.ignored["c.step"] = "I32";                    // unexpected integer tensor
  w.ignored["n.num_batches_tracked"] = "I64";     // fine
  w.tensors.at("l.bias").data[1] = std::numeric_limits<float>::quiet_NaN();
  w.tensors.at("n.bias").data[3] = std::numeric_limits<float>::infinity();
  const std::string error = check_error(g, w);
  check_contains(error,
                 {
                     "w.safetensors: tensor \"c.weight\": missing (layer s.0 expects shape [4,3,3,3])",
                     "w.safetensors: tensor \"n.running_mean\": missing (layer s.1 expects shape [4])",
                     "w.safetensors: tensor \"n.running_var\": has shape [5], layer s.1 expects [4]",
                     "w.safetensors: tensor \"l.weight\": has shape [4,2], layer s.5 expects [2,4]",
                     "w.safetensors: tensor \"extra.weight\": unexpected: no layer of the spec uses it (shape [3])",
                     "w.safetensors: tensor \"c.step\": unexpected I32 tensor",
                     "w.safetensors: tensor \"l.bias\": value nan at flat index 1 is not finite",
                     "w.safetensors: tensor \"n.bias\": value inf at flat index 3 is not finite",
                 });
  CHECK(line_count(error) == 8);
  CHECK(error.find("num_batches_tracked") == std::string::npos);
}

TEST_CASE("check_weights: -inf in a conv weight at flat index 0") {
  const rnc::Graph g = small_graph();
  WeightMap w = rnc::random_weights(g, 1);
  w.tensors.at("c.weight").data[0] = -std::numeric_limits<float>::infinity();
  check_contains(check_error(g, w), {"tensor \"c.weight\": value -inf at flat index 0 is not finite"});
}

// --- random_weights ------------------------------------------------------------------------------

TEST_CASE("random_weights: same seed gives the same bytes, another seed differs in every tensor") {
  const rnc::Graph g = small_graph();
  const WeightMap a = rnc::random_weights(g, 42), b = rnc::random_weights(g, 42), c = rnc::random_weights(g, 43);
  REQUIRE(a.tensors.size() == 8);  // c: 2, n: 4, l: 2
  for (const auto& [name, t] : a.tensors) {
    const std::string& tensor = name;  // clang 14 cannot capture a structured binding in INFO
    INFO("tensor " << tensor);
    CHECK(same_bits(t, b.at(name)));
    CHECK_FALSE(same_bits(t, c.at(name)));
  }
}

TEST_CASE("random_weights: each tensor depends on its name only, not on graph order or other layers") {
  // Two convs on the input, added; the second spec lists them in the other order.
  const char* const ab = R"({"name": "n", "input": {"shape": [1, 2, 4, 4]}, "stages": [{"name": "s", "layers": [
      {"op": "conv2d", "name": "x", "weights": "A", "out_channels": 3, "kernel": 3, "padding": 1},
      {"op": "conv2d", "name": "y", "inputs": "input", "weights": "B", "out_channels": 3, "kernel": 1},
      {"op": "add", "inputs": ["x", "y"]}]}]})";
  const char* const ba = R"({"name": "n", "input": {"shape": [1, 2, 4, 4]}, "stages": [{"name": "s", "layers": [
      {"op": "conv2d", "name": "y", "weights": "B", "out_channels": 3, "kernel": 1},
      {"op": "conv2d", "name": "x", "inputs": "input", "weights": "A", "out_channels": 3, "kernel": 3, "padding": 1},
      {"op": "add", "inputs": ["x", "y"]}]}]})";
  const char* const only_b = R"({"name": "n", "input": {"shape": [1, 2, 4, 4]}, "stages": [{"name": "s", "layers": [
      {"op": "conv2d", "weights": "B", "out_channels": 3, "kernel": 1}]}]})";
  const WeightMap w1 = rnc::random_weights(rnc::parse_spec_json(ab, "ab.json"), 7);
  const WeightMap w2 = rnc::random_weights(rnc::parse_spec_json(ba, "ba.json"), 7);
  const WeightMap w3 = rnc::random_weights(rnc::parse_spec_json(only_b, "b.json"), 7);
  REQUIRE(w1.tensors.size() == 4);
  REQUIRE(w2.tensors.size() == 4);
  for (const auto& [name, t] : w1.tensors) {
    const std::string& tensor = name;  // clang 14 cannot capture a structured binding in INFO
    INFO("tensor " << tensor);
    CHECK(same_bits(t, w2.at(name)));
  }
  CHECK(same_bits(w1.at("B.weight"), w3.at("B.weight")));
  CHECK(same_bits(w1.at("B.bias"), w3.at("B.bias")));
  // Different names draw different values even with equal shapes.
  CHECK_FALSE(same_bits(w1.at("A.bias"), w1.at("B.bias")));
}

TEST_CASE("random_weights: ranges (He-uniform, small biases) and non-trivial BatchNorm statistics, seed resnet18") {
  const rnc::Graph g = rnc::read_spec(std::string(RESNETC_SOURCE_DIR) + "/examples/resnet18.json");
  const WeightMap w = rnc::random_weights(g, 42);
  CHECK_NOTHROW(rnc::check_weights(g, w, "random"));
  const auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  int bn_count = 0;
  for (const rnc::ParamRef& p : g.all_params()) {
    INFO("tensor " << p.name);
    const Tensor& t = w.at(p.name);
    const auto [lo, hi] = std::minmax_element(t.data.begin(), t.data.end());
    const bool is_bn = std::holds_alternative<rnc::BatchNorm2d>(g.nodes[static_cast<std::size_t>(p.node)].op);
    if (is_bn && ends_with(p.name, ".running_var")) {
      ++bn_count;
      CHECK(*lo >= 0.5f);
      CHECK(*hi < 2.0f);
      CHECK(std::none_of(t.data.begin(), t.data.end(), [](float v) { return v == 1.0f; }));
      CHECK(*hi - *lo > 0.5f);  // 64+ draws from [0.5, 2) spread out
    } else if (is_bn && ends_with(p.name, ".running_mean")) {
      CHECK(*lo >= -0.2f);
      CHECK(*hi < 0.2f);
      CHECK(std::count(t.data.begin(), t.data.end(), 0.0f) <= 1);
      CHECK(*hi - *lo > 0.1f);
    } else if (is_bn && ends_with(p.name, ".weight")) {
      CHECK(*lo >= 0.5f);
      CHECK(*hi < 1.5f);
    } else if (ends_with(p.name, ".bias")) {
      CHECK(*lo >= -0.2f);
      CHECK(*hi < 0.2f);
      CHECK(*hi > *lo);
    } else {
      // He-uniform: bound sqrt(6 / fan_in), fan_in = in_channels * k * k (or in_features)
      const double fan_in = double(rnc::numel(p.shape)) / double(p.shape[0]);
      const double bound = std::sqrt(6.0 / fan_in);
      CHECK(*lo >= -bound * (1 + 1e-6));
      CHECK(*hi <= bound * (1 + 1e-6));
      CHECK(*hi - *lo > bound);  // uses most of the range
    }
  }
  CHECK(bn_count == 17);
}
