// Unit tests for the codegen passes: fold_batchnorm and fuse_epilogues on small graphs (which nodes
// they rewrite, and that the reference interpreter's output is unchanged), the activation arena plan
// (plan_arena / ArenaPlan::validate) and sha256_hex.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "codegen/arena_plan.hpp"
#include "codegen/compile.hpp"
#include "codegen/epilogue.hpp"
#include "codegen/fold_batchnorm.hpp"
#include "codegen/fuse_epilogues.hpp"
#include "codegen/lower.hpp"
#include "codegen/model.hpp"
#include "codegen/program.hpp"
#include "codegen/sha256.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/reference.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/weights.hpp"

namespace {

using rnc::Graph;
using rnc::Shape;
using rnc::Tensor;

const std::string kSeedPath = std::string(RESNETC_SOURCE_DIR) + "/examples/resnet18.json";

Graph parse(const std::string& json) { return rnc::parse_spec_json(json, "pass_test.json"); }

// A deterministic input with positive and negative values.
Tensor input_for(const Graph& g) {
  Tensor t(g.shape(g.input));
  for (std::size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = static_cast<float>(2.0 * std::sin(0.37 * double(i) + 0.5));
  return t;
}

// |got - want| <= 1e-5 * max(1, |want|) everywhere; a failure names the flat index.
void check_close(const Tensor& got, const Tensor& want, double rel = 1e-5) {
  REQUIRE(got.shape == want.shape);
  int failures = 0;
  for (std::size_t i = 0; i < want.data.size() && failures < 5; ++i) {
    const double tol = rel * std::max(1.0, std::fabs(double(want.data[i])));
    if (std::fabs(double(got.data[i]) - double(want.data[i])) > tol) {
      ++failures;
      FAIL_CHECK("at flat index " << i << " of " << rnc::to_string(want.shape) << ": got " << got.data[i] << ", want "
                                  << want.data[i]);
    }
  }
  CHECK(failures == 0);
}

std::vector<std::string> node_names(const Graph& g) {
  std::vector<std::string> names;
  for (const rnc::Node& n : g.nodes) names.push_back(n.name);
  return names;
}

const rnc::Node& node(const Graph& g, const std::string& name) {
  for (const rnc::Node& n : g.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  return g.nodes.front();
}

const rnc::Conv2d& conv_of(const Graph& g, const std::string& name) {
  const auto* c = std::get_if<rnc::Conv2d>(&node(g, name).op);
  REQUIRE(c != nullptr);
  return *c;
}

const std::string& value_name(const Graph& g, rnc::ValueId id) { return g.values[static_cast<std::size_t>(id)].name; }

int count_ops(const Graph& g, std::string_view op) {
  return static_cast<int>(
      std::count_if(g.nodes.begin(), g.nodes.end(), [&](const rnc::Node& n) { return rnc::op_name(n.op) == op; }));
}

// The epilogue fused into node `name` (none: residual -1, no relu).
rnc::Epilogue epilogue(const rnc::Model& m, const std::string& name) {
  const rnc::Epilogue* e = rnc::epilogue_of(m.epilogues, node(m.graph, name));
  return e ? *e : rnc::Epilogue{};
}

// The three stages of the pipeline's graph passes, with reference outputs.
struct Passes {
  rnc::Model original, folded, fused;
  rnc::WeightMap weights, folded_weights;  // the original's, and with folded.folds applied
  Tensor x, want;

  Passes(const std::string& json, std::uint64_t seed) {
    original.graph = parse(json);
    weights = rnc::random_weights(original.graph, seed);
    folded = rnc::fold_batchnorm(original);
    folded_weights = rnc::fold_batchnorm_weights(folded.folds, weights);
    fused = rnc::fuse_epilogues(folded);
    x = input_for(original.graph);
    want = rnc::run_reference(original.graph, weights, x);
  }
  Tensor run_folded() const { return rnc::run_reference(folded.graph, folded_weights, x); }
  Tensor run_fused() const { return rnc::run_fused_reference(fused, folded_weights, x); }
};

// conv (no bias) -> bn -> relu -> conv 1x1 (bias) -> bn (eps 0.01)
const char* const kChain = R"({"name": "chain", "input": {"shape": [1, 3, 6, 6]}, "stages": [{"name": "s", "layers": [
    {"op": "conv2d", "name": "c1", "weights": "c1", "out_channels": 4, "kernel": 3, "padding": 1, "bias": false},
    {"op": "batchnorm2d", "name": "b1", "weights": "b1"},
    {"op": "relu", "name": "r1"},
    {"op": "conv2d", "name": "c2", "weights": "c2", "out_channels": 2, "kernel": 1},
    {"op": "batchnorm2d", "name": "b2", "weights": "b2", "eps": 0.01}]}]})";

const char* const kResidual = R"({"name": "res", "input": {"shape": [1, 4, 6, 6]}, "stages": [
    {"name": "r", "op": "residual", "weights": "r", "out_channels": 4}]})";

const char* const kResidualProjection = R"({"name": "resp", "input": {"shape": [1, 4, 7, 7]}, "stages": [
    {"name": "r", "op": "residual", "weights": "r", "out_channels": 8, "use_1x1conv": true, "strides": 2}]})";

// BatchNorms after the input, after a relu and after an add stay; the one after a conv folds.
const char* const kUnfoldable =
    R"({"name": "unf", "input": {"shape": [1, 2, 5, 5]}, "stages": [{"name": "s", "layers": [
    {"op": "batchnorm2d", "name": "b0", "weights": "b0"},
    {"op": "relu", "name": "r0"},
    {"op": "batchnorm2d", "name": "b1", "weights": "b1"},
    {"op": "conv2d", "name": "c", "weights": "c", "out_channels": 2, "kernel": 3, "padding": 1},
    {"op": "batchnorm2d", "name": "b2", "weights": "b2"},
    {"op": "add", "name": "a", "inputs": ["b2", "b0"]},
    {"op": "batchnorm2d", "name": "b3", "weights": "b3"}]}]})";

// Conv c feeds both a BatchNorm and a relu: nothing may be folded or fused into it.
const char* const kTwoConsumers =
    R"({"name": "two", "input": {"shape": [1, 2, 5, 5]}, "stages": [{"name": "s", "layers": [
    {"op": "conv2d", "name": "c", "weights": "c", "out_channels": 2, "kernel": 3, "padding": 1},
    {"op": "batchnorm2d", "name": "b", "weights": "b"},
    {"op": "relu", "name": "r", "inputs": ["c"]},
    {"op": "add", "name": "a", "inputs": ["b", "r"]},
    {"op": "relu", "name": "o"}]}]})";

// Conv c feeds a relu and an add; the add's other operand is a single-use conv d, which may take
// the add (with c as its residual) while c stays unfused.
const char* const kSharedResidual =
    R"({"name": "shr", "input": {"shape": [1, 2, 5, 5]}, "stages": [{"name": "s", "layers": [
    {"op": "conv2d", "name": "c", "weights": "c", "out_channels": 3, "kernel": 3, "padding": 1},
    {"op": "relu", "name": "r"},
    {"op": "conv2d", "name": "d", "inputs": ["input"], "weights": "d", "out_channels": 3, "kernel": 1},
    {"op": "add", "name": "a", "inputs": ["c", "d"]},
    {"op": "add", "name": "a2", "inputs": ["a", "r"]},
    {"op": "relu", "name": "o"}]}]})";

}  // namespace

// --- fold_batchnorm ------------------------------------------------------------------------------

TEST_CASE("fold_batchnorm: conv+bn+relu chain folds both BatchNorms, output unchanged within 1e-5") {
  const Passes p(kChain, 11);
  const Graph& g = p.folded.graph;
  CHECK(node_names(g) == std::vector<std::string>{"c1", "r1", "c2"});
  CHECK(count_ops(g, "batchnorm2d") == 0);
  // c1 had no bias and gains one; the BatchNorm tensors are gone; the graph output is c2's node.
  CHECK(conv_of(g, "c1").bias);
  CHECK(p.folded_weights.tensors.contains("c1.bias"));
  for (const char* bn : {"b1", "b2"})
    for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var"}) {
      INFO("tensor " << bn << suffix);
      CHECK_FALSE(p.folded_weights.tensors.contains(std::string(bn) + suffix));
    }
  CHECK(p.folded_weights.tensors.size() == 4);
  CHECK(g.nodes.back().output == g.output);
  CHECK(node(g, "r1").inputs[0] == node(g, "c1").output);
  CHECK_NOTHROW(rnc::check_weights(g, p.folded_weights, "folded"));
  check_close(p.run_folded(), p.want);
  // The original model is untouched (fold_batchnorm takes it by value).
  CHECK(p.original.graph.nodes.size() == 5);
  CHECK_FALSE(p.weights.tensors.contains("c1.bias"));
}

TEST_CASE("fold_batchnorm: folded weights are w*s and (b-mean)*s+beta for a hand-made 1x1 conv") {
  // One channel: w = 2, b = 1; gamma = 3, beta = 0.5, mean = 4, var = 0.25 - 1e-5 (so sqrt(var+eps) = 0.5)
  // s = 3 / 0.5 = 6: w' = 12, b' = (1 - 4) * 6 + 0.5 = -17.5
  rnc::Model m;
  rnc::WeightMap weights;
  m.graph = parse(R"({"name": "one", "input": {"shape": [1, 1, 2, 2]}, "stages": [{"name": "s", "layers": [
      {"op": "conv2d", "weights": "c", "out_channels": 1, "kernel": 1},
      {"op": "batchnorm2d", "weights": "n"}]}]})");
  const auto scalar = [](float v) {
    Tensor t(Shape{1});
    t.data[0] = v;
    return t;
  };
  Tensor w(Shape{1, 1, 1, 1});
  w.data[0] = 2;
  weights.tensors["c.weight"] = w;
  weights.tensors["c.bias"] = scalar(1);
  weights.tensors["n.weight"] = scalar(3);
  weights.tensors["n.bias"] = scalar(0.5f);
  weights.tensors["n.running_mean"] = scalar(4);
  weights.tensors["n.running_var"] = scalar(static_cast<float>(0.25 - 1e-5));
  const rnc::Model f = rnc::fold_batchnorm(m);
  REQUIRE(f.graph.nodes.size() == 1);
  REQUIRE(f.folds.size() == 1);
  CHECK(f.folds[0].conv == "c");
  CHECK(f.folds[0].norm == "n");
  const rnc::WeightMap folded = rnc::fold_batchnorm_weights(f.folds, weights);
  CHECK(folded.at("c.weight").data[0] == doctest::Approx(12).epsilon(1e-6));
  CHECK(folded.at("c.bias").data[0] == doctest::Approx(-17.5).epsilon(1e-6));
  CHECK(folded.tensors.size() == 2);
}

TEST_CASE("fold_batchnorm: BatchNorms after the input, a relu and an add stay; the one after a conv folds") {
  const Passes p(kUnfoldable, 12);
  const Graph& g = p.folded.graph;
  CHECK(node_names(g) == std::vector<std::string>{"b0", "r0", "b1", "c", "a", "b3"});
  CHECK(count_ops(g, "batchnorm2d") == 3);
  for (const char* kept : {"b0.running_var", "b1.running_mean", "b3.weight"}) {
    INFO("tensor " << kept);
    CHECK(p.folded_weights.tensors.contains(kept));
  }
  CHECK_FALSE(p.folded_weights.tensors.contains("b2.weight"));
  CHECK(value_name(g, node(g, "a").inputs[0]) == "b2");  // c now produces b2's value
  check_close(p.run_folded(), p.want);
  check_close(p.run_fused(), p.want);
}

TEST_CASE("fold_batchnorm and fuse_epilogues: a conv read by two layers is neither folded nor fused") {
  const Passes p(kTwoConsumers, 13);
  CHECK(node_names(p.folded.graph) == std::vector<std::string>{"c", "b", "r", "a", "o"});
  CHECK(count_ops(p.folded.graph, "batchnorm2d") == 1);
  CHECK(p.folded_weights.tensors.size() == p.weights.tensors.size());
  CHECK(node_names(p.fused.graph) == std::vector<std::string>{"c", "b", "r", "a", "o"});
  CHECK(p.fused.epilogues.empty());
  check_close(p.run_folded(), p.want);
  check_close(p.run_fused(), p.want);
}

// --- fuse_epilogues ------------------------------------------------------------------------------

TEST_CASE("fuse_epilogues: conv+bn+relu chain -> conv with relu, conv 1x1 plain") {
  const Passes p(kChain, 11);
  CHECK(node_names(p.fused.graph) == std::vector<std::string>{"c1", "c2"});
  CHECK(epilogue(p.fused, "c1").relu);
  CHECK_FALSE(epilogue(p.fused, "c1").has_residual());
  CHECK_FALSE(epilogue(p.fused, "c2").relu);
  const std::string dump = rnc::dump_model(p.fused);
  INFO("dump:\n" << dump);
  CHECK(dump.find("  c1 = conv3x3/s1/p1+bias+relu(input) -> [1,4,6,6]\n") != std::string::npos);
  CHECK(dump.find("  c2 = conv1x1/s1+bias(r1) -> [1,2,6,6]\n") != std::string::npos);
  CHECK(dump.find("output b2\n") != std::string::npos);
  check_close(p.run_fused(), p.want);
}

TEST_CASE("fuse_epilogues: residual block without projection -> conv1+relu, conv2+add(input)+relu") {
  const Passes p(kResidual, 21);
  CHECK(node_names(p.folded.graph) == std::vector<std::string>{"r.conv1", "r.relu1", "r.conv2", "r.add", "r.relu2"});
  const Graph& g = p.fused.graph;
  CHECK(node_names(g) == std::vector<std::string>{"r.conv1", "r.conv2"});
  CHECK(epilogue(p.fused, "r.conv1").relu);
  CHECK_FALSE(epilogue(p.fused, "r.conv1").has_residual());
  const rnc::Epilogue e2 = epilogue(p.fused, "r.conv2");
  CHECK(e2.residual == g.input);
  CHECK(e2.relu);
  // The front-end node stays a plain one-input conv2d; the residual is the back end's.
  const rnc::Node& n2 = node(g, "r.conv2");
  REQUIRE(n2.inputs.size() == 1);
  CHECK(value_name(g, n2.inputs[0]) == "r.relu1");
  CHECK(n2.output == g.output);
  const std::string dump = rnc::dump_model(p.fused);
  INFO("dump:\n" << dump);
  CHECK(dump.find("  r.conv2 = conv3x3/s1/p1+bias+add+relu(r.relu1, input) -> [1,4,6,6]\n") != std::string::npos);
  check_close(p.run_folded(), p.want);
  check_close(p.run_fused(), p.want);
}

TEST_CASE("fuse_epilogues: residual block with 1x1/s2 projection -> conv3 stays plain, conv2 takes add(conv3)+relu") {
  const Passes p(kResidualProjection, 22);
  CHECK(node_names(p.folded.graph) ==
        std::vector<std::string>{"r.conv1", "r.relu1", "r.conv2", "r.conv3", "r.add", "r.relu2"});
  const Graph& g = p.fused.graph;
  CHECK(node_names(g) == std::vector<std::string>{"r.conv1", "r.conv3", "r.conv2"});
  CHECK(epilogue(p.fused, "r.conv1").relu);
  CHECK_FALSE(epilogue(p.fused, "r.conv3").relu);
  CHECK_FALSE(epilogue(p.fused, "r.conv3").has_residual());
  CHECK(conv_of(g, "r.conv3").stride == 2);
  const rnc::Epilogue e2 = epilogue(p.fused, "r.conv2");
  CHECK(e2.relu);
  CHECK(e2.residual == node(g, "r.conv3").output);
  CHECK(g.shape(g.output) == Shape{1, 8, 4, 4});
  check_close(p.run_folded(), p.want);
  check_close(p.run_fused(), p.want);
}

TEST_CASE("fuse_epilogues: add of a shared conv and a single-use conv fuses into the single-use one") {
  const Passes p(kSharedResidual, 23);
  CHECK(node_names(p.fused.graph) == std::vector<std::string>{"c", "r", "d", "a2", "o"});
  CHECK_FALSE(epilogue(p.fused, "c").relu);
  CHECK_FALSE(epilogue(p.fused, "c").has_residual());
  const rnc::Epilogue d = epilogue(p.fused, "d");
  CHECK_FALSE(d.relu);  // its output feeds an add, not a relu
  CHECK(d.residual == node(p.fused.graph, "c").output);
  check_close(p.run_fused(), p.want);
}

TEST_CASE("run_fused_reference: a residual epilogue adds before its relu") {
  // 1x1 conv, weight 2, bias -1, on x = [-2, -0.5, 1, 3]: conv(x) = [-5, -2, 1, 5]; the residual is x.
  rnc::Model m;
  m.graph = parse(R"({"name": "epi", "input": {"shape": [1, 1, 1, 4]}, "stages": [{"name": "s", "layers": [
      {"op": "conv2d", "name": "c", "weights": "c", "out_channels": 1, "kernel": 1}]}]})");
  rnc::WeightMap w;
  w.tensors["c.weight"] = Tensor(Shape{1, 1, 1, 1}, {2});
  w.tensors["c.bias"] = Tensor(Shape{1}, {-1});
  const Tensor x(Shape{1, 1, 1, 4}, {-2, -0.5f, 1, 3});
  const rnc::ValueId c = node(m.graph, "c").output;
  SUBCASE("residual only: [-7, -2.5, 2, 8]") {
    m.epilogues[c] = {.residual = m.graph.input};
    CHECK(rnc::run_fused_reference(m, w, x).data == std::vector<float>{-7, -2.5f, 2, 8});
  }
  SUBCASE("relu only: [0, 0, 1, 5]") {
    m.epilogues[c] = {.relu = true};
    CHECK(rnc::run_fused_reference(m, w, x).data == std::vector<float>{0, 0, 1, 5});
  }
  SUBCASE("residual then relu: [0, 0, 2, 8] (relu(conv) + x would give [-2, -0.5, 2, 8])") {
    m.epilogues[c] = {.residual = m.graph.input, .relu = true};
    CHECK(rnc::run_fused_reference(m, w, x).data == std::vector<float>{0, 0, 2, 8});
  }
}

TEST_CASE("fuse_epilogues: FusionPolicy turns each epilogue off") {
  const Passes p(kResidual, 24);
  const rnc::Model relu_only = rnc::fuse_epilogues(p.folded, {.residual_add = false, .relu = true});
  CHECK(node_names(relu_only.graph) == std::vector<std::string>{"r.conv1", "r.conv2", "r.add", "r.relu2"});
  CHECK_FALSE(epilogue(relu_only, "r.conv2").has_residual());
  CHECK(epilogue(relu_only, "r.conv1").relu);
  const rnc::Model add_only = rnc::fuse_epilogues(p.folded, {.residual_add = true, .relu = false});
  CHECK(node_names(add_only.graph) == std::vector<std::string>{"r.conv1", "r.relu1", "r.conv2", "r.relu2"});
  CHECK(epilogue(add_only, "r.conv2").has_residual());
  CHECK_FALSE(epilogue(add_only, "r.conv2").relu);
  const rnc::Model none = rnc::fuse_epilogues(p.folded, {.residual_add = false, .relu = false});
  CHECK(node_names(none.graph) == node_names(p.folded.graph));
  CHECK(none.epilogues.empty());
  check_close(rnc::run_fused_reference(relu_only, p.folded_weights, p.x), p.want);
  check_close(rnc::run_fused_reference(add_only, p.folded_weights, p.x), p.want);
}

TEST_CASE("fold_batchnorm + fuse_epilogues on the seed resnet18 at --input-shape 1,1,32,32") {
  rnc::Model m;
  m.graph = rnc::read_spec(kSeedPath, {Shape{1, 1, 32, 32}});
  const rnc::WeightMap weights = rnc::random_weights(m.graph, 42);
  const rnc::Model folded = rnc::fold_batchnorm(m);
  // 66 nodes, 17 BatchNorms (stem + 2 per residual), all after a single-use conv
  CHECK(m.graph.nodes.size() == 66);
  CHECK(folded.graph.nodes.size() == 66 - 17);
  CHECK(count_ops(folded.graph, "batchnorm2d") == 0);
  const rnc::Model fused = rnc::fuse_epilogues(folded);
  // stem conv + maxpool, 8 x (conv1, conv2), 3 projections, head 3
  CHECK(fused.graph.nodes.size() == 2 + 16 + 3 + 3);
  CHECK(count_ops(fused.graph, "add") == 0);
  CHECK(count_ops(fused.graph, "relu") == 0);
  int residual = 0, relu = 0;
  for (const auto& [value, e] : fused.epilogues) {
    residual += e.has_residual();
    relu += e.relu;
  }
  CHECK(residual == 8);
  CHECK(relu == 17);
  CHECK(epilogue(fused, "b3.0.conv2").has_residual());
  CHECK_FALSE(epilogue(fused, "b3.0.conv3").relu);
  const Tensor x = input_for(m.graph);
  const Tensor want = rnc::run_reference(m.graph, weights, x);
  check_close(rnc::run_fused_reference(fused, rnc::fold_batchnorm_weights(fused.folds, weights), x), want);
}

TEST_CASE("plan_program reports each graph pass to CompileOptions::dump") {
  const Graph g = parse(kResidual);
  std::vector<std::string> passes;
  std::vector<std::size_t> sizes;
  std::string last;
  rnc::CompileOptions options;
  options.dump = [&](const std::string& pass, const std::string& graph) {
    passes.push_back(pass);
    sizes.push_back(static_cast<std::size_t>(std::count(graph.begin(), graph.end(), '\n')) -
                    2);  // without the header and output lines
    last = graph;
  };
  (void)rnc::plan_program(g, options);
  CHECK(passes == std::vector<std::string>{"input", "fold_batchnorm", "fuse_epilogues"});
  CHECK(sizes == std::vector<std::size_t>{7, 5, 2});
  INFO("dump:\n" << last);
  CHECK(last.find("  r.conv2 = conv3x3/s1/p1+bias+add+relu(r.relu1, input) -> [1,4,6,6]\n") != std::string::npos);
}

// --- arena plan ----------------------------------------------------------------------------------

namespace {

rnc::ArenaPlan plan_of(const rnc::Program& p) {
  rnc::ArenaPlan plan;
  for (const rnc::Buffer& b : p.buffers) plan.offsets.push_back(b.offset);
  plan.total_floats = p.arena_floats;
  plan.lower_bound_floats = p.arena_lower_bound_floats;
  return plan;
}

void check_program_arena(const rnc::Program& p) {
  INFO("program " << p.name << " input " << rnc::to_string(p.input_shape));
  CHECK(plan_of(p).validate(p.buffers) == "");
  CHECK(p.arena_lower_bound_floats > 0);
  CHECK(p.arena_floats >= p.arena_lower_bound_floats);
  CHECK(double(p.arena_floats) <= 1.25 * double(p.arena_lower_bound_floats));
  for (const rnc::Buffer& b : p.buffers) {
    INFO("buffer " << b.name);
    if (b.storage == rnc::Storage::kArena) {
      CHECK(b.offset >= 0);
      CHECK(b.offset % rnc::kAlignFloats == 0);
      CHECK(b.first_step >= 0);
      CHECK(b.last_step >= b.first_step);
    } else {
      CHECK(b.offset == -1);
    }
  }
  // Re-planning the same buffers gives the same, valid plan.
  const rnc::ArenaPlan again = rnc::plan_arena(p.buffers);
  CHECK(again.validate(p.buffers) == "");
  CHECK(again.total_floats == p.arena_floats);
  CHECK(again.lower_bound_floats == p.arena_lower_bound_floats);
}

rnc::Buffer flat(const std::string& name, std::int64_t floats, int first, int last,
                 rnc::Storage storage = rnc::Storage::kArena) {
  rnc::Buffer b;
  b.name = name;
  b.layout = rnc::Layout::kFlat;
  b.storage = storage;
  b.geometry = rnc::geometry_of(Shape{1, floats});
  b.first_step = first;
  b.last_step = last;
  return b;
}

}  // namespace

TEST_CASE("plan_arena on the lowered seed program at 224x224, 96x96, 67x91 and batch 3") {
  for (const Shape& shape : {Shape{1, 1, 224, 224}, Shape{1, 1, 96, 96}, Shape{1, 1, 67, 91}, Shape{3, 1, 64, 64}}) {
    const Graph g = rnc::read_spec(kSeedPath, {shape});
    const rnc::Program p = rnc::plan_program(g);
    CHECK(p.input_shape == shape);
    CHECK(p.output_shape == Shape{shape[0], 10});
    check_program_arena(p);
  }
}

TEST_CASE("plan_arena on the small pass-test programs") {
  for (const char* spec : {kChain, kResidual, kResidualProjection, kUnfoldable, kTwoConsumers, kSharedResidual}) {
    const Graph g = parse(spec);
    check_program_arena(rnc::plan_program(g));
  }
}

TEST_CASE("plan_arena: A[0-1] 100 floats, B[1-2] 50, C[3-4] 100, user input; C reuses A's space") {
  // Aligned sizes: A 112, B 64, C 112. A and B are alive together at step 1: lower bound 176.
  const std::vector<rnc::Buffer> buffers = {flat("A", 100, 0, 1), flat("B", 50, 1, 2), flat("C", 100, 3, 4),
                                            flat("in", 1000, 0, 0, rnc::Storage::kInput)};
  const rnc::ArenaPlan plan = rnc::plan_arena(buffers);
  CHECK(plan.validate(buffers) == "");
  CHECK(plan.lower_bound_floats == 176);
  CHECK(plan.total_floats == 176);
  REQUIRE(plan.offsets.size() == 4);
  CHECK(plan.offsets[0] == plan.offsets[2]);  // disjoint lifetimes share memory
  CHECK(plan.offsets[3] == -1);

  SUBCASE("B forced onto A (both at 0) overlaps") {
    rnc::ArenaPlan bad = plan;
    bad.offsets[0] = 0;
    bad.offsets[1] = 0;
    bad.offsets[2] = 64;
    bad.total_floats = 176;
    CHECK(bad.validate(buffers) == "buffers A and B are alive together and overlap");
  }
  SUBCASE("B at 96 overlaps the last 4 floats of A") {
    rnc::ArenaPlan bad = plan;
    bad.offsets = {0, 96, 0, -1};
    CHECK(bad.validate(buffers) == "buffers A and B are alive together and overlap");
  }
  SUBCASE("B right after A's 100 floats (aligned to 112) is fine, and C over B is fine too") {
    rnc::ArenaPlan ok = plan;
    ok.offsets = {0, 112, 112, -1};
    ok.total_floats = 224;
    CHECK(ok.validate(buffers) == "");
  }
  SUBCASE("misaligned offset") {
    rnc::ArenaPlan bad = plan;
    bad.offsets = {0, 113, 0, -1};
    bad.total_floats = 200;
    CHECK(bad.validate(buffers) == "buffer B has offset 113: not 64-byte aligned");
  }
  SUBCASE("arena too small") {
    rnc::ArenaPlan bad = plan;
    bad.total_floats = 150;
    CHECK(bad.validate(buffers).find("ends past the arena") != std::string::npos);
  }
  SUBCASE("offset count mismatch") {
    rnc::ArenaPlan bad = plan;
    bad.offsets.pop_back();
    CHECK(bad.validate(buffers) == "offsets and buffers differ in count");
  }
}

TEST_CASE("plan_arena: best fit puts a small buffer in the smallest gap that holds it") {
  // Long-lived L1 (64) and L2 (32) around short-lived S (256, steps 0-0) and T (64, steps 0-0):
  // by size S 0..256, L1 256..320, T 320..384, L2 384..416. At step 2, X (32) fits the gap of S
  // (256 floats) and of T (64 floats); best fit takes T's.
  const std::vector<rnc::Buffer> buffers = {flat("S", 256, 0, 0), flat("L1", 64, 0, 3), flat("T", 64, 0, 0),
                                            flat("L2", 32, 0, 3), flat("X", 32, 2, 3)};
  const rnc::ArenaPlan plan = rnc::plan_arena(buffers);
  CHECK(plan.validate(buffers) == "");
  CHECK(plan.offsets == std::vector<std::int64_t>{0, 256, 320, 384, 320});
  CHECK(plan.total_floats == 416);
  CHECK(plan.lower_bound_floats == 416);
}

// --- lowering ------------------------------------------------------------------------------------

// A spec may name the input as the network's output. The stem convolution reading the input then
// must not stage it as padded NCHW: the output reorder reads channel blocks (this planned a
// padded-NCHW output and failed an internal check before).
TEST_CASE("lowering: a network whose output is its input stages the input in blocks") {
  const Graph g =
      parse(R"({"name": "t", "input": {"shape": [1, 1, 8, 8]}, "output": "input", "stages": [)"
            R"({"name": "s", "layers": [{"op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1}]}]})");
  const rnc::Program p = rnc::plan_program(g);
  CHECK(p.buffers[static_cast<std::size_t>(p.steps.front().out)].layout == rnc::Layout::kBlocked);
  CHECK(p.steps.back().function == "write_output");
}

// --- sha256 ------------------------------------------------------------------------------------------

TEST_CASE("sha256_hex: FIPS 180-4 vectors \"\", \"abc\", 448-bit message, one million 'a'") {
  CHECK(rnc::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(rnc::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(rnc::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(rnc::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256_hex: padding boundaries at 55, 56, 63, 64 and 119 bytes (values from Python hashlib)") {
  CHECK(rnc::sha256_hex(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(rnc::sha256_hex(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(rnc::sha256_hex(std::string(63, 'a')) == "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
  CHECK(rnc::sha256_hex(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  CHECK(rnc::sha256_hex(std::string(119, 'a')) == "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb");
}
