// Unit tests for the ONNX importer (dsl/onnx/): models built in memory with ONNX's own protobuf
// classes, translated to specs whose graphs and weights are checked, and broken or unsupported
// models whose CompileError must name each node (name, op type, opset) and what it cannot take.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "dsl/diagnostics.hpp"
#include "dsl/onnx/onnx_import.hpp"
#include "dsl/reference.hpp"
#include "dsl/spec_reader.hpp"
#include "tests/support/generated_program.hpp"

namespace {

namespace fs = std::filesystem;
using rnc::Shape;
using rnc::Tensor;
namespace oi = rnc::onnx_import;

// A model under construction: one float input, nodes, initializers and one output.
class ModelBuilder {
 public:
  explicit ModelBuilder(Shape input, int opset = 13) {
    model_.set_ir_version(7);
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("tiny");
    add_value(model_.mutable_graph()->add_input(), "x", input);
  }

  onnx::NodeProto& node(const std::string& op, std::vector<std::string> inputs, std::string output,
                        std::string name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? output : name);
    for (const auto& in : inputs) n->add_input(in);
    n->add_output(std::move(output));
    return *n;
  }

  onnx::TensorProto& initializer(const std::string& name, Shape shape, float first = 0.5f) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t count = 1;
    for (auto d : shape) {
      t->add_dims(d);
      count *= d;
    }
    for (std::int64_t i = 0; i < count; ++i) t->add_float_data(first + 0.01f * static_cast<float>(i % 7));
    return *t;
  }

  void output(const std::string& name, Shape shape) { add_value(model_.mutable_graph()->add_output(), name, shape); }

  std::string bytes() const { return model_.SerializeAsString(); }
  onnx::ModelProto& model() { return model_; }

 private:
  static void add_value(onnx::ValueInfoProto* v, const std::string& name, const Shape& shape) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (auto d : shape) t->mutable_shape()->add_dim()->set_dim_value(d);
  }

  onnx::ModelProto model_;
};

void set_ints(onnx::NodeProto& n, const std::string& name, std::vector<std::int64_t> values) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto v : values) a->add_ints(v);
}

void set_int(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

oi::ImportedModel import(const ModelBuilder& b, const std::string& dir = "") {
  return oi::import_onnx_bytes(b.bytes(), "m.onnx", dir);
}

std::string error_of(const std::string& bytes, const std::string& dir = "", const oi::ImportOptions& options = {}) {
  try {
    const auto model = oi::import_onnx_bytes(bytes, "m.onnx", dir, options);
    (void)oi::imported_graph(model, "m.onnx");
  } catch (const rnc::CompileError& e) {
    return e.what();
  }
  FAIL("expected a CompileError");
  return {};
}

// conv(8, 3x3, bias) -> BatchNormalization -> Relu -> GlobalAveragePool -> Flatten -> Gemm(transB).
ModelBuilder small_classifier() {
  ModelBuilder b({1, 3, 8, 8});
  auto& conv = b.node("Conv", {"x", "conv1.weight", "conv1.bias"}, "c", "/conv1/Conv");
  set_ints(conv, "pads", {1, 1, 1, 1});
  set_ints(conv, "kernel_shape", {3, 3});
  b.initializer("conv1.weight", {8, 3, 3, 3});
  b.initializer("conv1.bias", {8});
  b.node("BatchNormalization", {"c", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"}, "n",
         "/bn1/BatchNormalization");
  for (const char* suffix : {"weight", "bias", "running_mean", "running_var"})
    b.initializer(std::string("bn1.") + suffix, {8}, 0.9f);
  b.node("Relu", {"n"}, "r", "/relu/Relu");
  b.node("GlobalAveragePool", {"r"}, "p", "/avgpool/GlobalAveragePool");
  b.node("Flatten", {"p"}, "f", "/Flatten");
  set_int(b.node("Gemm", {"f", "fc.weight", "fc.bias"}, "y", "/fc/Gemm"), "transB", 1);
  b.initializer("fc.weight", {4, 8});
  b.initializer("fc.bias", {4});
  b.output("y", {1, 4});
  return b;
}

}  // namespace

TEST_CASE("onnx import: a small classifier becomes the spec PyTorch would write, with state_dict weights") {
  const auto model = import(small_classifier());
  const rnc::Graph graph = oi::imported_graph(model, "m.onnx");
  CHECK(graph.shape(graph.output) == Shape{1, 4});
  REQUIRE(graph.nodes.size() == 6);
  CHECK(graph.nodes[0].name == "conv1");
  CHECK(graph.nodes[0].weights == "conv1");
  CHECK(graph.nodes[5].name == "fc");
  CHECK(model.weights.tensors.contains("bn1.running_var"));
  CHECK(model.weights.at("fc.weight").shape == Shape{4, 8});
  CHECK(model.spec["stages"][0]["layers"][0]["padding"] == 1);
  CHECK_NOTHROW(rnc::check_weights(graph, model.weights, "m.onnx"));
}

TEST_CASE("onnx import: Gemm alpha, beta and transB 0 fold into the linear weights, numerically") {
  ModelBuilder b({2, 3, 1, 1});
  b.node("Flatten", {"x"}, "f");
  auto& gemm = b.node("Gemm", {"f", "B", "C"}, "y");
  auto* alpha = gemm.add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(2.0f);
  b.initializer("B", {3, 5});  // [K, M]: transB 0
  b.initializer("C", {1, 5}, 1.0f);
  b.output("y", {2, 5});
  const auto model = import(b);
  const rnc::Graph graph = oi::imported_graph(model, "m.onnx");
  Tensor x({2, 3, 1, 1}, {1, 2, 3, -1, 0, 1});
  const Tensor y = rnc::run_reference(graph, model.weights, x);
  // y[0][m] = 2 * sum_k x[k] * B[k][m] + C[m]; B[k][m] = 0.5 + 0.01 * ((k*5+m) % 7), C[m] = 1 + 0.01 * (m % 7).
  for (int n = 0; n < 2; ++n)
    for (int m = 0; m < 5; ++m) {
      double expected = 1.0 + 0.01 * (m % 7);
      for (int k = 0; k < 3; ++k) expected += 2.0 * x.data[std::size_t(n * 3 + k)] * (0.5 + 0.01 * ((k * 5 + m) % 7));
      CHECK(y.data[std::size_t(n * 5 + m)] == doctest::Approx(expected).epsilon(1e-6));
    }
}

TEST_CASE("onnx import: MatMul + Add and Conv + Add become biases; Identity, Dropout and Reshape [N, -1]") {
  ModelBuilder b({1, 2, 4, 4});
  b.node("Conv", {"x", "W"}, "c");
  b.initializer("W", {4, 2, 1, 1});
  b.node("Add", {"c", "cb"}, "cplus");
  b.initializer("cb", {1, 4, 1, 1});
  b.node("Identity", {"cplus"}, "i");
  b.node("Dropout", {"i"}, "d");
  b.node("Reshape", {"d", "shape"}, "r");
  auto& shape = *b.model().mutable_graph()->add_initializer();
  shape.set_name("shape");
  shape.set_data_type(onnx::TensorProto::INT64);
  shape.add_dims(2);
  shape.add_int64_data(1);
  shape.add_int64_data(-1);
  b.node("MatMul", {"r", "M"}, "mm");
  b.initializer("M", {64, 3});
  b.node("Add", {"mm", "mb"}, "y");
  b.initializer("mb", {3});
  b.output("y", {1, 3});
  const auto model = import(b);
  const rnc::Graph graph = oi::imported_graph(model, "m.onnx");
  REQUIRE(graph.nodes.size() == 3);  // conv (with bias), flatten, linear (with bias)
  CHECK(std::get<rnc::Conv2d>(graph.nodes[0].op).bias);
  CHECK(std::get<rnc::Linear>(graph.nodes[2].op).bias);
  CHECK(model.weights.at(graph.nodes[2].weights + ".weight").shape == Shape{3, 64});
}

TEST_CASE("onnx import: every unsupported op and attribute is listed at once, each at its node and opset") {
  ModelBuilder b({1, 3, 8, 8});
  auto& conv = b.node("Conv", {"x", "W"}, "c", "/layer1/Conv_3");
  set_ints(conv, "dilations", {2, 2});
  b.initializer("W", {4, 3, 3, 3});
  b.node("Sigmoid", {"c"}, "s", "act");
  auto& pool = b.node("MaxPool", {"c"}, "p", "pool");
  set_ints(pool, "kernel_shape", {3, 1});
  set_int(pool, "ceil_mode", 1);
  b.node("Relu", {"p"}, "y", "relu");
  b.output("y", {1, 4, 6, 8});
  const std::string message = error_of(b.bytes());
  CHECK(message.find("m.onnx: node \"/layer1/Conv_3\" (Conv, opset 13): dilations [2, 2] are not supported; "
                     "resnetc supports dilation 1") != std::string::npos);
  CHECK(message.find("node \"act\" (Sigmoid, opset 13): op Sigmoid is not supported; resnetc supports Add,") !=
        std::string::npos);
  CHECK(message.find("node \"pool\" (MaxPool, opset 13): kernel 3x1 is not square") != std::string::npos);
}

TEST_CASE("onnx import: truncated and corrupt protobufs are clean errors") {
  const std::string bytes = small_classifier().bytes();
  CHECK(error_of(bytes.substr(0, bytes.size() / 2)).find("m.onnx: not an ONNX model") != std::string::npos);
  std::string flipped = bytes;
  for (std::size_t i = 0; i < 16 && i < flipped.size(); ++i) flipped[i] = static_cast<char>(0xff);
  CHECK(error_of(flipped).find("m.onnx:") != std::string::npos);
  CHECK(error_of("").find("m.onnx: not an ONNX model") != std::string::npos);
}

TEST_CASE("onnx import: an initializer whose data disagrees with its shape is refused before allocation") {
  ModelBuilder b = small_classifier();
  auto* w = b.model().mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_raw_data(std::string(12, '\0'));  // 3 floats for a [8,3,3,3] shape
  CHECK(error_of(b.bytes()).find("raw_data has 12 bytes, the shape needs 864") != std::string::npos);
  w->clear_dims();
  w->add_dims(1ll << 30);
  w->add_dims(1ll << 30);
  CHECK(error_of(b.bytes()).find("more than 2^40 elements") != std::string::npos);
}

TEST_CASE("onnx import: external data is read inside the model's directory only") {
  const rnc::test::ScratchDir dir("onnx_external");
  ModelBuilder b = small_classifier();
  auto* w = b.model().mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = w->add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  const std::string model_dir = dir.file("model");
  fs::create_directories(model_dir);
  std::ofstream(model_dir + "/weights.bin", std::ios::binary) << std::string(8 * 27 * 4, '\0');
  CHECK_NOTHROW(import(b, model_dir));
  std::ofstream(model_dir + "/weights.bin", std::ios::binary) << std::string(10, '\0');
  CHECK(error_of(b.bytes(), model_dir).find("has 10 bytes, fewer than offset 0 + 864 bytes") != std::string::npos);
  std::ofstream(dir.file("outside.bin"), std::ios::binary) << std::string(8 * 27 * 4, '\0');
  location->set_value("../outside.bin");
  CHECK(error_of(b.bytes(), model_dir).find("leaves the model's directory") != std::string::npos);
  location->set_value(dir.file("outside.bin"));  // ONNX's checker looks for it inside the directory: not found
  CHECK(error_of(b.bytes(), model_dir).find("outside.bin, but it doesn't exist") != std::string::npos);
}

TEST_CASE("onnx import: symbolic dims, an opset out of range, two inputs") {
  ModelBuilder b = small_classifier();
  auto* dims = b.model().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  dims->mutable_dim(0)->set_dim_param("batch");
  CHECK_NOTHROW(import(b));  // a symbolic batch reads as 1
  dims->mutable_dim(2)->set_dim_param("height");
  CHECK(error_of(b.bytes()).find("input \"x\": has symbolic dimensions (height); give the shape with --input-shape") !=
        std::string::npos);
  const auto fixed = oi::import_onnx_bytes(b.bytes(), "m.onnx", "", {Shape{2, 3, 16, 16}, {}});
  CHECK(oi::imported_graph(fixed, "m.onnx").shape(0) == Shape{2, 3, 16, 16});

  ModelBuilder newer({1, 3, 8, 8}, 18);
  newer.node("Relu", {"x"}, "y");
  newer.output("y", {1, 3, 8, 8});
  CHECK(error_of(newer.bytes()).find("opset 18 is not supported; resnetc reads opsets 1 to 17") != std::string::npos);
}
