// Unit tests for the torchvision ResNet family: the basic_block, bottleneck and resnet_layer macros
// (child names, strides, when the shortcut projects, errors), the committed specs
// examples/torchvision/resnet{18,34,50}.json, resnext50_32x4d.json and wide_resnet50_2.json against
// torchvision's parameter counts and state_dict keys, the bottleneck's groups and width_per_group,
// bias-free convolutions without a batchnorm through the code generator, and grouped convolutions
// staying float in int8 builds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "codegen/compile.hpp"
#include "codegen/quantize.hpp"
#include "dsl/diagnostics.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/weights.hpp"

namespace {

using rnc::Graph;
using rnc::Shape;

std::string example(const std::string& name) {
  return std::string(RESNETC_SOURCE_DIR) + "/examples/torchvision/" + name + ".json";
}

// A one-stage spec: `stage` is the stage object's body after its name.
std::string stage_spec(const std::string& shape, const std::string& stage) {
  return R"({"name": "n", "input": {"shape": )" + shape + R"(}, "stages": [{"name": "s", )" + stage + "}]}";
}

std::string error_of(const std::string& text) {
  try {
    (void)rnc::parse_spec_json(text, "spec.json");
  } catch (const rnc::CompileError& e) {
    return e.what();
  }
  FAIL("expected a CompileError for spec:\n" << text);
  return {};
}

std::vector<std::string> node_names(const Graph& g) {
  std::vector<std::string> names;
  for (const rnc::Node& n : g.nodes) names.push_back(n.name);
  return names;
}

const rnc::Node& node(const Graph& g, const std::string& name) {
  const auto it = std::find_if(g.nodes.begin(), g.nodes.end(), [&](const rnc::Node& n) { return n.name == name; });
  REQUIRE_MESSAGE(it != g.nodes.end(), "no node " << name);
  return *it;
}

const rnc::Conv2d& conv(const Graph& g, const std::string& name) {
  const auto* c = std::get_if<rnc::Conv2d>(&node(g, name).op);
  REQUIRE_MESSAGE(c != nullptr, name << " is not a conv2d");
  return *c;
}

std::map<std::string, Shape> param_shapes(const Graph& g) {
  std::map<std::string, Shape> shapes;
  for (const rnc::ParamRef& p : g.all_params()) shapes[p.name] = p.shape;
  return shapes;
}

// What torchvision counts: sum(p.numel() for p in model.parameters()), without the running
// statistics, which resnetc loads as parameters too.
std::int64_t learned_parameters(const Graph& g) {
  std::int64_t total = 0;
  for (const rnc::ParamRef& p : g.all_params())
    if (!p.name.ends_with(".running_mean") && !p.name.ends_with(".running_var")) total += rnc::numel(p.shape);
  return total;
}

Shape stage_shape(const Graph& g, const std::string& stage) {
  for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it)
    if (it->stage == stage) return g.shape(it->output);
  FAIL("no stage " << stage);
  return {};
}

}  // namespace

TEST_CASE("bottleneck resnet_layer: torchvision's child names, stride on the 3x3 conv, projected shortcut") {
  const Graph g = rnc::parse_spec_json(
      stage_spec(
          "[1,16,9,9]",
          R"("op": "resnet_layer", "weights": "layer2", "block": "bottleneck", "planes": 8, "blocks": 2, "stride": 2)"),
      "spec.json");
  const std::vector<std::string> block0 = {"conv1", "bn1", "relu1",        "conv2",        "bn2", "relu2",
                                           "conv3", "bn3", "downsample.0", "downsample.1", "add", "relu3"};
  const std::vector<std::string> block1 = {"conv1", "bn1",   "relu1", "conv2", "bn2",
                                           "relu2", "conv3", "bn3",   "add",   "relu3"};
  std::vector<std::string> expected;
  for (const auto& child : block0) expected.push_back("s.0." + child);
  for (const auto& child : block1) expected.push_back("s.1." + child);
  CHECK(node_names(g) == expected);

  CHECK(conv(g, "s.0.conv1").stride == 1);
  CHECK(conv(g, "s.0.conv2").stride == 2);  // torchvision v1.5: the 3x3 conv downsamples
  CHECK(conv(g, "s.0.conv2").kernel == 3);
  CHECK(conv(g, "s.0.conv3").out_channels == 32);
  CHECK(conv(g, "s.0.downsample.0").stride == 2);
  CHECK(conv(g, "s.1.conv2").stride == 1);
  for (const auto& c : {"s.0.conv1", "s.0.conv2", "s.0.conv3", "s.0.downsample.0"}) CHECK_FALSE(conv(g, c).bias);
  CHECK(node(g, "s.0.downsample.1").inputs[0] == node(g, "s.0.downsample.0").output);
  CHECK(node(g, "s.0.downsample.0").inputs[0] == g.input);
  CHECK(node(g, "s.1.add").inputs[1] == node(g, "s.0.relu3").output);  // identity shortcut
  CHECK(g.shape(g.output) == Shape{1, 32, 5, 5});

  const auto shapes = param_shapes(g);
  CHECK(shapes.at("layer2.0.conv1.weight") == Shape{8, 16, 1, 1});
  CHECK(shapes.at("layer2.0.downsample.0.weight") == Shape{32, 16, 1, 1});
  CHECK(shapes.at("layer2.0.downsample.1.running_var") == Shape{32});
  CHECK(shapes.at("layer2.1.conv1.weight") == Shape{8, 32, 1, 1});
  CHECK_FALSE(shapes.contains("layer2.0.conv1.bias"));
  CHECK_FALSE(shapes.contains("layer2.1.downsample.0.weight"));
}

TEST_CASE("basic resnet_layer projects only when the stride or the width changes, as _make_layer") {
  const auto downsamples = [](const std::string& shape, const std::string& attrs) {
    const Graph g =
        rnc::parse_spec_json(stage_spec(shape, R"("op": "resnet_layer", "weights": "l", )" + attrs), "spec.json");
    std::vector<std::string> names;
    for (const auto& n : node_names(g))
      if (n.find("downsample") != std::string::npos) names.push_back(n);
    return names;
  };
  CHECK(downsamples("[1,8,8,8]", R"("planes": 8, "blocks": 2)").empty());
  CHECK(downsamples("[1,8,8,8]", R"("planes": 8, "blocks": 2, "stride": 2)") ==
        std::vector<std::string>{"s.0.downsample.0", "s.0.downsample.1"});
  CHECK(downsamples("[1,4,8,8]", R"("planes": 8, "blocks": 1)") ==
        std::vector<std::string>{"s.0.downsample.0", "s.0.downsample.1"});
  // Bottleneck: ResNet-50's layer1 (64 -> 256 channels, stride 1) projects.
  CHECK(downsamples("[1,64,8,8]", R"("block": "bottleneck", "planes": 64, "blocks": 1)").size() == 2);
  CHECK(downsamples("[1,256,8,8]", R"("block": "bottleneck", "planes": 64, "blocks": 1)").empty());
}

TEST_CASE("basic_block: names, explicit downsample, and a shape mismatch reported at the macro") {
  const Graph g = rnc::parse_spec_json(
      stage_spec("[1,4,6,6]", R"("op": "basic_block", "weights": "b", "planes": 4, "downsample": true)"), "spec.json");
  CHECK(node_names(g) == std::vector<std::string>{"s.conv1", "s.bn1", "s.relu1", "s.conv2", "s.bn2", "s.downsample.0",
                                                  "s.downsample.1", "s.add", "s.relu2"});
  CHECK(conv(g, "s.conv1").padding == 1);
  CHECK(conv(g, "s.downsample.0").padding == 0);
  CHECK(param_shapes(g).at("b.downsample.0.weight") == Shape{4, 4, 1, 1});

  const std::string message = error_of(
      stage_spec("[1,4,6,6]", R"("op": "basic_block", "weights": "b", "planes": 4, "stride": 2, "downsample": false)"));
  CHECK(message.find("spec.json: /stages/0: add: operand shapes differ: [1,4,3,3] + [1,4,6,6]") != std::string::npos);
}

TEST_CASE("bottleneck as a layer inside layers: named by the layer, reads inputs") {
  const Graph g = rnc::parse_spec_json(
      stage_spec(
          "[1,3,8,8]",
          R"("layers": [{"op": "relu", "name": "r"}, {"op": "bottleneck", "name": "blk", "weights": "x", )"
          R"("inputs": "r", "planes": 2}])"),
      "spec.json");
  CHECK(node(g, "blk.conv1").inputs[0] == node(g, "r").output);
  CHECK(g.shape(g.output) == Shape{1, 8, 8, 8});
}

TEST_CASE("torchvision macro attributes are checked where they are written") {
  const auto check_error = [](const std::string& stage, const std::string& piece) {
    const std::string message = error_of(stage_spec("[1,4,8,8]", stage));
    INFO("message:\n" << message);
    CHECK(message.find(piece) != std::string::npos);
    CHECK(std::count(message.begin(), message.end(), '\n') == 0);  // no follow-on errors
  };
  check_error(R"("op": "resnet_layer", "weights": "l", "block": "wide", "planes": 4, "blocks": 1)",
              R"(/stages/0/block: expected "basic" or "bottleneck", found "wide")");
  check_error(R"("op": "resnet_layer", "weights": "l", "planes": 4, "blocks": 0)",
              "/stages/0/blocks: expected an integer in [1, 4096], found 0");
  check_error(R"("op": "resnet_layer", "weights": "l", "blocks": 2)", "/stages/0: missing required key \"planes\"");
  check_error(R"("op": "bottleneck", "weights": "b", "planes": 4, "downsample": 1)",
              "/stages/0/downsample: expected true or false, found 1");
  check_error(R"("op": "basic_block", "weights": "b", "planes": 4, "strides": 2)", "/stages/0/strides: unknown key");
}

TEST_CASE("examples/torchvision: parameter counts and state_dict keys equal torchvision's") {
  struct Case {
    const char* name;
    std::int64_t parameters;  // sum(p.numel() for p in torchvision.models.NAME().parameters())
    std::size_t tensors;      // state_dict entries without num_batches_tracked
    std::int64_t fc_in;
  };
  for (const Case& c : {Case{"resnet18", 11'689'512, 102, 512}, Case{"resnet34", 21'797'672, 182, 512},
                        Case{"resnet50", 25'557'032, 267, 2048}, Case{"resnext50_32x4d", 25'028'904, 267, 2048},
                        Case{"wide_resnet50_2", 68'883'240, 267, 2048}}) {
    CAPTURE(c.name);
    const Graph g = rnc::read_spec(example(c.name));
    CHECK(learned_parameters(g) == c.parameters);
    const auto shapes = param_shapes(g);
    CHECK(shapes.size() == c.tensors);
    CHECK(shapes.at("conv1.weight") == Shape{64, 3, 7, 7});
    CHECK(shapes.at("bn1.running_mean") == Shape{64});
    CHECK(shapes.at("fc.weight") == Shape{1000, c.fc_in});
    CHECK(shapes.at("fc.bias") == Shape{1000});
    CHECK(shapes.at("layer3.0.downsample.0.weight") == Shape{c.fc_in / 2, c.fc_in / 4, 1, 1});
    CHECK(g.shape(g.output) == Shape{1, 1000});
    CHECK(stage_shape(g, "layer1") == Shape{1, c.fc_in / 8, 56, 56});
    CHECK(stage_shape(g, "layer4") == Shape{1, c.fc_in, 7, 7});
  }
  const auto r18 = param_shapes(rnc::read_spec(example("resnet18")));
  CHECK(r18.at("layer1.1.conv2.weight") == Shape{64, 64, 3, 3});
  CHECK_FALSE(r18.contains("layer1.0.downsample.0.weight"));
  const auto r50 = param_shapes(rnc::read_spec(example("resnet50")));
  CHECK(r50.at("layer1.0.downsample.0.weight") == Shape{256, 64, 1, 1});
  CHECK(r50.at("layer4.2.conv2.weight") == Shape{512, 512, 3, 3});
  CHECK(r50.at("layer4.2.bn3.bias") == Shape{2048});
  // torchvision's state_dict shapes: the grouped 3x3 weights hold width / groups input channels.
  const auto rx = param_shapes(rnc::read_spec(example("resnext50_32x4d")));
  CHECK(rx.at("layer1.0.conv2.weight") == Shape{128, 4, 3, 3});
  CHECK(rx.at("layer4.2.conv2.weight") == Shape{1024, 32, 3, 3});
  CHECK(rx.at("layer2.0.conv1.weight") == Shape{256, 256, 1, 1});
  const auto wide = param_shapes(rnc::read_spec(example("wide_resnet50_2")));
  CHECK(wide.at("layer1.0.conv2.weight") == Shape{128, 128, 3, 3});
  CHECK(wide.at("layer4.2.conv2.weight") == Shape{1024, 1024, 3, 3});
}

TEST_CASE("bottleneck groups and width_per_group: torchvision's width, a grouped 3x3 conv") {
  const Graph g = rnc::parse_spec_json(
      stage_spec("[1,64,8,8]", R"("op": "resnet_layer", "weights": "l", "block": "bottleneck", "planes": 64, )"
                               R"("blocks": 2, "stride": 2, "groups": 32, "width_per_group": 4)"),
      "spec.json");
  CHECK(conv(g, "s.0.conv1").out_channels == 128);  // int(64 * 4 / 64) * 32
  CHECK(conv(g, "s.0.conv2").groups == 32);
  CHECK(conv(g, "s.0.conv2").stride == 2);
  CHECK(conv(g, "s.1.conv2").groups == 32);
  CHECK(conv(g, "s.0.conv1").groups == 1);
  CHECK(conv(g, "s.0.conv3").out_channels == 256);
  CHECK(param_shapes(g).at("l.0.conv2.weight") == Shape{128, 4, 3, 3});
  // int() truncates: planes 24, width_per_group 10 -> int(3.75) = 3 per group.
  const Graph t = rnc::parse_spec_json(
      stage_spec("[1,8,8,8]",
                 R"("op": "bottleneck", "weights": "b", "planes": 24, "groups": 2, "width_per_group": 10)"),
      "spec.json");
  CHECK(conv(t, "s.conv2").out_channels == 6);
}

TEST_CASE("groups and width_per_group: refused on basic blocks, checked on bottlenecks") {
  const auto check_error = [](const std::string& stage, const std::string& piece) {
    const std::string message = error_of(stage_spec("[1,4,8,8]", stage));
    INFO("message:\n" << message);
    CHECK(message.find(piece) != std::string::npos);
    CHECK(std::count(message.begin(), message.end(), '\n') == 0);
  };
  check_error(R"("op": "resnet_layer", "weights": "l", "planes": 4, "blocks": 1, "groups": 2)",
              "/stages/0/groups: a basic block has groups 1 and width_per_group 64 (torchvision's BasicBlock), "
              "found groups 2 and width_per_group 64");
  check_error(R"("op": "basic_block", "weights": "b", "planes": 4, "width_per_group": 128)",
              "/stages/0/width_per_group: a basic block has groups 1");
  check_error(R"("op": "bottleneck", "weights": "b", "planes": 4, "width_per_group": 8)",
              "/stages/0/width_per_group: the bottleneck's width int(planes * width_per_group / 64) * groups = "
              "int(4 * 8 / 64) * 1 must be in [1, 16777216]");
  check_error(R"("op": "resnet_layer", "weights": "l", "block": "bottleneck", "planes": 4, "blocks": 1, "groups": 0)",
              "/stages/0/groups: expected an integer >= 1, found 0");
}

TEST_CASE("examples/torchvision: any channel count, any input size") {
  const Graph g = rnc::read_spec(example("resnet18"), {.input_shape = Shape{2, 5, 57, 61}});
  CHECK(param_shapes(g).at("conv1.weight") == Shape{64, 5, 7, 7});
  CHECK(stage_shape(g, "layer4") == Shape{2, 512, 2, 2});
  CHECK(g.shape(g.output) == Shape{2, 1000});
}

TEST_CASE("a bias-free conv without a batchnorm is compiled with a zero bias") {
  const Graph g = rnc::parse_spec_json(
      stage_spec(
          "[1,3,9,9]",
          R"("layers": [{"op": "conv2d", "weights": "c", "out_channels": 5, "kernel": 3, "bias": false}, )"
          R"({"op": "relu"}])"),
      "spec.json");
  CHECK(param_shapes(g).size() == 1);  // c.weight only
  const rnc::Program p = rnc::plan_program(g);
  const auto bias = std::find_if(p.tensors.begin(), p.tensors.end(), [](const auto& t) { return t.name == "c.bias"; });
  REQUIRE(bias != p.tensors.end());
  const std::vector<float> packed =
      rnc::pack_weights(p, rnc::random_weights(g, 3))[static_cast<std::size_t>(bias - p.tensors.begin())];
  CHECK(std::all_of(packed.begin(), packed.end(), [](float v) { return v == 0.0f; }));
}

TEST_CASE("int8: ResNeXt's grouped 3x3 convolutions stay float, the 1x1 convolutions around them do not") {
  const Graph g = rnc::read_spec(example("resnext50_32x4d"), {.input_shape = Shape{1, 3, 64, 64}});
  rnc::CompileOptions options;
  options.precision = rnc::Precision::kInt8;
  const rnc::Model m = rnc::prepare_model(g, options);
  for (const char* name : {"layer1.0.conv2", "layer2.0.conv2", "layer4.2.conv2"})
    CHECK_FALSE(rnc::is_int8_conv(m, node(m.graph, name)));
  for (const char* name : {"layer1.0.conv3", "layer2.1.conv1", "layer4.2.conv3"})
    CHECK(rnc::is_int8_conv(m, node(m.graph, name)));
}
