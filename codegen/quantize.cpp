#include "codegen/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dsl/diagnostics.hpp"
#include "dsl/invariant.hpp"
#include "dsl/ir/graph_edit.hpp"

namespace rnc {
namespace {

// |bias| in accumulator units: 2^30 leaves room for the sums of products (at most 2^28 for a
// 3x3x4096 reduction) so that int32 accumulation never overflows.
constexpr double kMaxBias = 1073741824.0;

const Node* producer(const Graph& g, ValueId value) {
  const int node = producers(g)[static_cast<std::size_t>(value)];
  return node < 0 ? nullptr : &g.nodes[static_cast<std::size_t>(node)];
}

void check_keep_names(const Graph& g, const std::vector<std::string>& keep) {
  std::vector<std::string> unknown;
  for (const std::string& name : keep) {
    const bool known =
        std::any_of(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.name == name || n.stage == name; });
    if (!known) unknown.push_back(fmt::format("\"{}\"", name));
  }
  if (unknown.empty()) return;
  const auto conv = std::find_if(g.nodes.rbegin(), g.nodes.rend(),
                                 [](const Node& n) { return std::holds_alternative<Conv2d>(n.op); });
  throw CompileError(
      fmt::format("--keep-fp32: {} name{} no layer or stage of network \"{}\" (stages: {}; layers are "
                  "named like \"{}\", see `resnetc check`)",
                  fmt::join(unknown, ", "), unknown.size() == 1 ? "s" : "", g.name, fmt::join(g.stages, ", "),
                  conv == g.nodes.rend() ? "b1.conv" : conv->name));
}

// Grouped convolutions stay in float: the int8 kernels reduce over all input channels.
bool ungrouped_conv(const Node& n) {
  const auto* c = std::get_if<Conv2d>(&n.op);
  return c && c->groups == 1;
}

bool kept(const Node& n, const std::vector<std::string>& keep) {
  return std::any_of(keep.begin(), keep.end(), [&](const std::string& k) { return n.name == k || n.stage == k; });
}

}  // namespace

bool non_negative(const Model& m, ValueId value) {
  const Node* p = producer(m.graph, value);
  if (!p) return false;  // the network input
  if (std::holds_alternative<Relu>(p->op)) return true;
  if (std::holds_alternative<Conv2d>(p->op)) {
    const Epilogue* e = epilogue_of(m.epilogues, *p);
    return e && e->relu;
  }
  if (std::holds_alternative<MaxPool2d>(p->op) || std::holds_alternative<AvgPool2d>(p->op) ||
      std::holds_alternative<GlobalAvgPool>(p->op) || std::holds_alternative<Flatten>(p->op))
    return non_negative(m, p->inputs[0]);
  if (std::holds_alternative<Add>(p->op)) return non_negative(m, p->inputs[0]) && non_negative(m, p->inputs[1]);
  return false;
}

bool quantized_signed(const Model& m, ValueId value) { return !non_negative(m, value); }

Model plan_int8(Model model, const std::vector<std::string>& keep_fp32, int weight_max) {
  check_keep_names(model.graph, keep_fp32);
  model.int8_convs.clear();
  model.int8_weight_max = weight_max;
  for (const Node& n : model.graph.nodes)
    if (ungrouped_conv(n) && model.graph.shape(n.output).size() == 4 && !kept(n, keep_fp32) &&
        non_negative(model, n.inputs[0]))
      model.int8_convs.insert(n.output);
  return model;
}

bool is_int8_conv(const Model& m, const Node& n) {
  return std::holds_alternative<Conv2d>(n.op) && m.int8_convs.contains(n.output);
}

std::vector<ValueId> quantized_values(const Model& m) {
  std::vector<ValueId> values;
  const auto add = [&](ValueId v) {
    if (v >= 0 && std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  };
  for (const Node& n : m.graph.nodes) {
    if (!is_int8_conv(m, n)) continue;
    add(n.inputs[0]);
    add(n.output);
    if (const Epilogue* e = epilogue_of(m.epilogues, n)) add(e->residual);
  }
  return values;
}

ActivationScales calibrate(const Model& m, const WeightMap& folded, const std::vector<Tensor>& images,
                           CalibrationMethod method) {
  const std::vector<ValueId> values = quantized_values(m);
  std::map<ValueId, RangeStats> stats;
  for (ValueId v : values) stats[v];
  // Every op treats the items of a batch alike, so the model at batch 1 computes each image's
  // values as the batched one does, and any number of images calibrates any batch size.
  Model single = m;
  for (Value& v : single.graph.values) v.shape[0] = 1;
  // The images run on all cores, a round of one per thread at a time; their values join the
  // statistics in image order, since the histograms depend on the order values arrive in.
  const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 16);
  for (std::size_t first = 0; first < images.size(); first += threads) {
    const std::size_t round = std::min(threads, images.size() - first);
    std::vector<std::map<ValueId, std::vector<float>>> seen(round);
    std::vector<std::exception_ptr> failures(round);
    std::vector<std::thread> workers;
    for (std::size_t k = 0; k < round; ++k)
      workers.emplace_back([&, k] {
        try {
          run_fused_reference(single, folded, images[first + k], [&](const Node& node, const Tensor& out) {
            if (stats.contains(node.output)) seen[k][node.output] = out.data;
          });
        } catch (...) {
          failures[k] = std::current_exception();
        }
      });
    for (std::thread& w : workers) w.join();
    for (std::size_t k = 0; k < round; ++k) {
      if (failures[k]) std::rethrow_exception(failures[k]);
      for (const auto& [value, data] : seen[k]) stats.at(value).add(data);
    }
  }
  ActivationScales scales;
  for (ValueId v : values) {
    const bool is_signed = quantized_signed(m, v);
    scales[v] = stats.at(v).threshold(method, is_signed) / (is_signed ? 127.0f : 255.0f);
  }
  return scales;
}

float scale_of(const ActivationScales& scales, ValueId value) {
  const auto it = scales.find(value);
  check_invariant(it != scales.end() && it->second > 0 && std::isfinite(it->second),
                  fmt::format("int8 value {} without a calibrated scale", value));
  return it->second;
}

QConvRecipe qconv_recipe(const Model& m, const Node& conv) {
  const auto& c = std::get<Conv2d>(conv.op);
  const Epilogue* e = epilogue_of(m.epilogues, conv);
  QConvRecipe r;
  r.weight = conv.weights + ".weight";
  r.bias = c.bias ? conv.weights + ".bias" : "";
  r.weight_shape = m.graph.params(conv).front().shape;
  r.stride = c.stride;
  r.padding = c.padding;
  r.in = conv.inputs[0];
  r.out = conv.output;
  r.residual = e ? e->residual : -1;
  r.relu = e && e->relu;
  r.res_signed = r.residual >= 0 && quantized_signed(m, r.residual);
  r.weight_max = m.int8_weight_max;
  return r;
}

QConvLayer quantize_conv(const QConvRecipe& r, const WeightMap& folded, const ActivationScales& scales) {
  const Tensor& w = folded.at(r.weight);
  QConvLayer q;
  q.out_channels = r.weight_shape[0];
  q.in_channels = r.weight_shape[1];
  q.kernel = r.weight_shape[2];
  q.stride = r.stride;
  q.padding = r.padding;
  q.residual = r.residual >= 0;
  q.relu = r.relu;
  q.res_signed = r.res_signed;
  const float s_in = scale_of(scales, r.in), s_out = scale_of(scales, r.out);
  if (q.residual) q.res_scale = scale_of(scales, r.residual) / s_out;
  const std::size_t per_oc = w.data.size() / static_cast<std::size_t>(q.out_channels);
  q.weight.resize(w.data.size());
  for (std::int64_t oc = 0; oc < q.out_channels; ++oc) {
    const auto first = w.data.begin() + static_cast<std::ptrdiff_t>(per_oc * static_cast<std::size_t>(oc));
    float max_abs = 0;
    for (auto it = first; it != first + static_cast<std::ptrdiff_t>(per_oc); ++it)
      max_abs = std::max(max_abs, std::abs(*it));
    // An all-zero channel keeps scale 1: its weights quantize to 0 whatever the scale.
    const float w_max = static_cast<float>(r.weight_max);
    const float s_w = max_abs > 0 ? max_abs / w_max : 1.0f;
    for (std::size_t k = 0; k < per_oc; ++k) {
      const float v = std::nearbyint(first[static_cast<std::ptrdiff_t>(k)] / s_w);
      q.weight[per_oc * static_cast<std::size_t>(oc) + k] = static_cast<std::int8_t>(std::clamp(v, -w_max, w_max));
    }
    const double acc_scale = double(s_in) * double(s_w);
    const double bias = r.bias.empty() ? 0.0 : double(folded.at(r.bias).data[static_cast<std::size_t>(oc)]);
    q.bias.push_back(static_cast<std::int32_t>(std::clamp(std::nearbyint(bias / acc_scale), -kMaxBias, kMaxBias)));
    q.mult.push_back(static_cast<float>(acc_scale / double(s_out)));
  }
  return q;
}

}  // namespace rnc
