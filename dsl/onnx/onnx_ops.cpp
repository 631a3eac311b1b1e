// One translator per supported ONNX op: what it reads, what it refuses (with the reason) and
// the spec layers it adds. docs/onnx.md lists the same.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dsl/attr_reader.hpp"
#include "dsl/onnx/onnx_translate.hpp"

namespace rnc::onnx_import {
namespace {

using Dims = std::vector<std::int64_t>;

std::string list(const Dims& dims) { return fmt::format("[{}]", fmt::join(dims, ", ")); }

bool all_equal(const Dims& dims, std::int64_t value) {
  return std::all_of(dims.begin(), dims.end(), [&](std::int64_t d) { return d == value; });
}

// The 4-D NCHW input of a 2-D convolution or pooling, or nullopt (reported).
std::optional<SpecValueRef> image_input(NodeContext& ctx) {
  auto x = ctx.activation(0);
  if (x && x->shape.size() != 4) {
    ctx.unsupported(fmt::format("input has shape {}; resnetc supports 2-D {} on 4-D NCHW tensors",
                                to_string(x->shape), ctx.node().op_type() == "Conv" ? "convolution" : "pooling"));
    return std::nullopt;
  }
  return x;
}

// A square window with equal strides and the same padding on every side, as the spec's conv2d
// and pools have: ONNX's kernel_shape, strides, pads, auto_pad, dilations (and ceil_mode) read
// into it against the input's height and width.
struct Window {
  std::int64_t kernel = 1, stride = 1, padding = 0;
};

std::int64_t window_out(std::int64_t in, const Window& w, bool ceil) {
  const std::int64_t span = in + 2 * w.padding - w.kernel;
  return (ceil ? (span + w.stride - 1) / w.stride : span / w.stride) + 1;
}

// Symmetric padding from auto_pad SAME_* (ONNX pads the end first for SAME_UPPER), when both
// axes get the same amount on both sides.
std::optional<std::int64_t> same_padding(NodeContext& ctx, const std::string& mode, const Shape& x,
                                         const Window& w) {
  std::optional<std::int64_t> padding;
  for (const std::int64_t in : {x[2], x[3]}) {
    const std::int64_t out = (in + w.stride - 1) / w.stride;
    const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * w.stride + w.kernel - in);
    if (total % 2 != 0 || (padding && *padding != total / 2)) {
      ctx.unsupported(fmt::format("auto_pad {} pads the {}x{} input unevenly (total {} for a {}x{} window, stride "
                                  "{}); resnetc supports the same padding on every side",
                                  mode, x[2], x[3], total, w.kernel, w.kernel, w.stride));
      return std::nullopt;
    }
    padding = total / 2;
  }
  return padding;
}

std::optional<Window> read_window(NodeContext& ctx, const std::optional<SpecValueRef>& x, Dims kernel) {
  const Dims strides = ctx.integers("strides", {1, 1});
  const Dims pads = ctx.integers("pads", {0, 0, 0, 0});
  const Dims dilations = ctx.integers("dilations", {1, 1});
  const std::string auto_pad = ctx.text("auto_pad", "NOTSET");
  bool ok = true;
  const auto refuse = [&](std::string what) {
    ctx.unsupported(std::move(what));
    ok = false;
  };
  const auto in_range = [](const Dims& dims, std::int64_t low) {
    return std::all_of(dims.begin(), dims.end(), [&](std::int64_t d) { return d >= low && d <= kMaxDim; });
  };
  if (!in_range(kernel, 1) || !in_range(strides, 1) || !in_range(pads, 0)) {
    ctx.unsupported(fmt::format("kernel_shape {}, strides {} and pads {} must lie in [1, {}] ([0, {}] for pads)",
                                list(kernel), list(strides), list(pads), kMaxDim, kMaxDim));
    return std::nullopt;
  }
  if (kernel.size() != 2) refuse(fmt::format("kernel_shape {} is not 2-D; resnetc supports 2-D windows", list(kernel)));
  else if (kernel[0] != kernel[1]) refuse(fmt::format("kernel {}x{} is not square; resnetc supports square kernels",
                                                      kernel[0], kernel[1]));
  if (strides.size() != 2 || strides[0] != strides[1] || strides[0] < 1)
    refuse(fmt::format("strides {} are not supported; resnetc supports equal strides on both axes", list(strides)));
  if (!all_equal(dilations, 1))
    refuse(fmt::format("dilations {} are not supported; resnetc supports dilation 1", list(dilations)));
  if (auto_pad == "NOTSET" && (pads.size() != 4 || !all_equal(pads, pads[0]) || pads[0] < 0))
    refuse(fmt::format("pads {} are not supported; resnetc supports the same padding on every side", list(pads)));
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    refuse(fmt::format("auto_pad \"{}\" is not an ONNX padding mode", auto_pad));
  if (!ok) return std::nullopt;
  Window w{kernel[0], strides[0], auto_pad == "NOTSET" ? pads[0] : 0};
  if (auto_pad.starts_with("SAME") && x) {
    const auto padding = same_padding(ctx, auto_pad, x->shape, w);
    if (!padding) return std::nullopt;
    w.padding = *padding;
  }
  return w;
}

Shape window_shape(const Shape& x, std::int64_t channels, const Window& w) {
  return {x[0], channels, window_out(x[2], w, false), window_out(x[3], w, false)};
}

nlohmann::ordered_json window_attrs(const Window& w) {
  return {{"kernel", w.kernel}, {"stride", w.stride}, {"padding", w.padding}};
}

// ---------------------------------------------------------------- convolution and batchnorm

void conv(NodeContext& ctx) {
  const auto x = image_input(ctx);
  const auto weight = ctx.constant(1);
  const auto bias = ctx.has_input(2) ? ctx.constant(2) : std::nullopt;
  const std::int64_t groups = ctx.integer("group", 1);
  if (weight && weight->shape.size() != 4) {
    ctx.unsupported(fmt::format("weight has shape {}; resnetc supports 2-D convolutions (4-D weights)",
                                to_string(weight->shape)));
    ctx.integers("kernel_shape", {});
    read_window(ctx, std::nullopt, {1, 1});
    return;
  }
  const Dims kernel = ctx.integers("kernel_shape", weight ? Dims{weight->shape[2], weight->shape[3]} : Dims{1, 1});
  const auto window = read_window(ctx, x, kernel);
  if (groups < 1) ctx.unsupported(fmt::format("group {} must be at least 1", groups));
  if (!x || !weight || !window || ctx.failed() || (ctx.has_input(2) && !bias)) return;
  const std::int64_t out_channels = weight->shape[0];
  LayerDraft layer;
  layer.attrs = {{"op", "conv2d"}, {"out_channels", out_channels}};
  layer.attrs.update(window_attrs(*window));
  layer.attrs["bias"] = bias.has_value();
  if (groups != 1) layer.attrs["groups"] = groups;
  layer.inputs = {x->layer};
  layer.params.emplace_back("weight", *weight);
  if (bias) layer.params.emplace_back("bias", *bias);
  layer.state_dict_prefix = ctx.state_dict_prefix(1, "weight");
  if (bias && ctx.state_dict_prefix(2, "bias") != layer.state_dict_prefix) layer.state_dict_prefix.clear();
  ctx.add_layer(std::move(layer), window_shape(x->shape, out_channels, *window));
}

// Before opset 7, BatchNormalization and Dropout ran in training mode unless is_test was set.
void require_test_mode(NodeContext& ctx) {
  if (ctx.opset() < 7 && ctx.integer("is_test", 0) == 0)
    ctx.unsupported("is_test 0 (training mode) is not supported; resnetc runs inference (is_test 1)");
}

void batchnorm(NodeContext& ctx) {
  const auto x = image_input(ctx);
  const float eps = ctx.real("epsilon", 1e-5f);
  ctx.ignore("momentum");
  require_test_mode(ctx);
  if (ctx.integer("spatial", 1) != 1) ctx.unsupported("spatial 0 (per-element statistics) is not supported");
  if (ctx.integer("training_mode", 0) != 0)
    ctx.unsupported("training_mode 1 is not supported; resnetc runs inference with the running statistics");
  for (std::size_t i = 1; i < static_cast<std::size_t>(ctx.node().output_size()); ++i)
    if (ctx.output_used(i)) {
      ctx.unsupported("the training outputs (running mean and variance) are not supported; resnetc runs inference");
      break;
    }
  std::vector<std::pair<std::string, Tensor>> params;
  const char* suffixes[] = {"weight", "bias", "running_mean", "running_var"};
  for (std::size_t i = 0; i < 4; ++i)
    if (auto t = ctx.constant(i + 1)) params.emplace_back(suffixes[i], std::move(*t));
  if (!x || params.size() != 4 || ctx.failed()) return;
  LayerDraft layer;
  // The float's shortest decimal (1e-05, not 9.99999974e-06): what the exporter was given.
  layer.attrs = {{"op", "batchnorm2d"}, {"eps", std::stod(fmt::format("{}", eps))}};
  layer.inputs = {x->layer};
  layer.params = std::move(params);
  layer.state_dict_prefix = ctx.state_dict_prefix(1, "weight");
  for (std::size_t i = 1; i < 4; ++i)
    if (ctx.state_dict_prefix(i + 1, suffixes[i]) != layer.state_dict_prefix) layer.state_dict_prefix.clear();
  ctx.add_layer(std::move(layer), x->shape);
}

// ---------------------------------------------------------------- pooling and activations

void pool(NodeContext& ctx, bool average) {
  const auto x = image_input(ctx);
  const auto window = read_window(ctx, x, ctx.integers("kernel_shape", {}));
  const bool ceil_mode = ctx.integer("ceil_mode", 0) != 0;
  const bool count_include_pad = average && ctx.integer("count_include_pad", 0) != 0;
  if (!average) ctx.ignore("storage_order");  // only shapes the unsupported Indices output
  if (!average && ctx.output_used(1))
    ctx.unsupported("the Indices output is not supported; resnetc computes the pooled values only");
  if (!x || !window || ctx.failed()) return;
  if (ceil_mode && (window_out(x->shape[2], *window, true) != window_out(x->shape[2], *window, false) ||
                    window_out(x->shape[3], *window, true) != window_out(x->shape[3], *window, false))) {
    ctx.unsupported("ceil_mode 1 adds a partial window here; resnetc supports floor rounding (ceil_mode 0)");
    return;
  }
  LayerDraft layer;
  layer.attrs = {{"op", average ? "avgpool2d" : "maxpool2d"}};
  layer.attrs.update(window_attrs(*window));
  if (average && window->padding > 0 && !count_include_pad) layer.attrs["count_include_pad"] = false;
  layer.inputs = {x->layer};
  ctx.add_layer(std::move(layer), window_shape(x->shape, x->shape[1], *window));
}

void simple(NodeContext& ctx, std::string_view op, bool image) {
  const auto x = image ? image_input(ctx) : ctx.activation(0);
  if (!x || ctx.failed()) return;
  LayerDraft layer;
  layer.attrs = {{"op", op}};
  layer.inputs = {x->layer};
  ctx.add_layer(std::move(layer), image ? Shape{x->shape[0], x->shape[1], 1, 1} : x->shape);
}

// ---------------------------------------------------------------- Add, and biases folded into the layer before

// A constant added to a Conv or Gemm/MatMul output that has no bias yet and no other reader
// becomes that layer's bias, the way exporters split them.
bool fold_bias(NodeContext& ctx, const SpecValueRef& x, std::size_t constant_input) {
  if (x.layer == kNetworkInput) return false;
  LayerDraft& layer = ctx.layer_of(x);
  const std::string op = layer.attrs.value("op", "");
  if ((op != "conv2d" && op != "linear") || layer.attrs.value("bias", true)) return false;
  const auto bias = ctx.constant(constant_input);
  if (!bias) return true;
  const std::int64_t width = x.shape[1];
  const Shape& s = bias->shape;
  const bool per_channel = op == "conv2d" ? (s == Shape{width} || s == Shape{width, 1, 1} || s == Shape{1, width, 1, 1})
                                          : (s == Shape{width} || s == Shape{1, width});
  if (!per_channel) {
    ctx.unsupported(fmt::format("adds a constant of shape {} to {}; resnetc supports a per-channel bias ({} values)",
                                to_string(s), to_string(x.shape), width));
    return true;
  }
  layer.attrs["bias"] = true;
  layer.params.emplace_back("bias", Tensor({width}, bias->data));
  layer.state_dict_prefix.clear();
  ctx.alias(x);
  return true;
}

void add(NodeContext& ctx) {
  const bool constant_a = ctx.is_constant(0), constant_b = ctx.is_constant(1);
  if (constant_a && constant_b) {
    ctx.unsupported("adds two constants; resnetc computes Add on activations");
    return;
  }
  if (constant_a || constant_b) {
    const auto x = ctx.activation(constant_a ? 1 : 0);
    if (!x || ctx.failed()) return;
    if (fold_bias(ctx, *x, constant_a ? 0 : 1)) return;
    ctx.unsupported("adds a constant; resnetc supports that only as the bias of the Conv, Gemm or MatMul before it "
                    "(which has no bias and no other reader)");
    return;
  }
  const auto a = ctx.activation(0), b = ctx.activation(1);
  if (!a || !b || ctx.failed()) return;
  if (a->shape != b->shape) {
    ctx.unsupported(fmt::format("adds {} and {}; resnetc adds tensors of the same shape", to_string(a->shape),
                                to_string(b->shape)));
    return;
  }
  LayerDraft layer;
  layer.attrs = {{"op", "add"}};
  layer.inputs = {a->layer, b->layer};
  ctx.add_layer(std::move(layer), a->shape);
}

// ---------------------------------------------------------------- the classifier head

// [N, K] -> [N, M] with weight [M, K]: what Gemm and MatMul become.
void add_linear(NodeContext& ctx, const SpecValueRef& x, Tensor weight, std::optional<Tensor> bias,
                std::string prefix) {
  const std::int64_t out_features = weight.shape[0];
  LayerDraft layer;
  layer.attrs = {{"op", "linear"}, {"out_features", out_features}, {"bias", bias.has_value()}};
  layer.inputs = {x.layer};
  layer.params.emplace_back("weight", std::move(weight));
  if (bias) layer.params.emplace_back("bias", std::move(*bias));
  layer.state_dict_prefix = std::move(prefix);
  ctx.add_layer(std::move(layer), {x.shape[0], out_features});
}

std::optional<SpecValueRef> matrix_input(NodeContext& ctx) {
  auto x = ctx.activation(0);
  if (x && x->shape.size() != 2) {
    ctx.unsupported(fmt::format("input has shape {}; resnetc supports {} on 2-D [N, features] tensors (Flatten "
                                "first)",
                                to_string(x->shape), ctx.node().op_type()));
    return std::nullopt;
  }
  return x;
}

Tensor transposed(const Tensor& t, float scale) {
  const std::int64_t rows = t.shape[0], cols = t.shape[1];
  Tensor out({cols, rows});
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      out.data[static_cast<std::size_t>(c * rows + r)] = t.data[static_cast<std::size_t>(r * cols + c)] * scale;
  return out;
}

Tensor scaled(Tensor t, float scale) {
  for (float& v : t.data) v *= scale;
  return t;
}

// Gemm's C as a bias of `width` values: [M], [1, M], or one value for all.
std::optional<Tensor> gemm_bias(NodeContext& ctx, const Tensor& c, std::int64_t width, float beta) {
  const Shape& s = c.shape;
  Tensor bias({width});
  if (c.data.size() == 1) std::fill(bias.data.begin(), bias.data.end(), c.data[0] * beta);
  else if (s == Shape{width} || s == Shape{1, width})
    std::transform(c.data.begin(), c.data.end(), bias.data.begin(), [&](float v) { return v * beta; });
  else {
    ctx.unsupported(fmt::format("C has shape {}; resnetc supports a bias of shape [{}], [1, {}] or one value",
                                to_string(s), width, width));
    return std::nullopt;
  }
  return bias;
}

void gemm(NodeContext& ctx) {
  const auto x = matrix_input(ctx);
  const float alpha = ctx.real("alpha", 1.0f), beta = ctx.real("beta", 1.0f);
  const bool trans_b = ctx.integer("transB", 0) != 0;
  // Before opset 7, C broadcast only with broadcast 1; without it C is the whole [N, M] product.
  const bool broadcast = ctx.opset() >= 7 || ctx.integer("broadcast", 0) != 0;
  if (ctx.integer("transA", 0) != 0) ctx.unsupported("transA 1 is not supported; resnetc multiplies [N, K] inputs");
  const auto b = ctx.constant(1);
  const auto c = ctx.has_input(2) ? ctx.constant(2) : std::nullopt;
  if (!x || !b || ctx.failed()) return;
  if (c && !broadcast && c->shape.size() != 2) {
    ctx.unsupported(fmt::format("C has shape {} and broadcast 0; ONNX wants the product's shape", to_string(c->shape)));
    return;
  }
  if (b->shape.size() != 2 || b->shape[trans_b ? 1 : 0] != x->shape[1]) {
    ctx.unsupported(fmt::format("B has shape {}, which does not multiply {}{}", to_string(b->shape),
                                to_string(x->shape), trans_b ? " (transB 1)" : ""));
    return;
  }
  const bool unchanged = trans_b && alpha == 1.0f;
  Tensor weight = trans_b ? scaled(*b, alpha) : transposed(*b, alpha);
  std::optional<Tensor> bias;
  if (c && beta != 0.0f) {
    bias = gemm_bias(ctx, *c, weight.shape[0], beta);
    if (!bias) return;
  }
  std::string prefix = unchanged ? ctx.state_dict_prefix(1, "weight") : "";
  if (bias && (beta != 1.0f || ctx.state_dict_prefix(2, "bias") != prefix)) prefix.clear();
  add_linear(ctx, *x, std::move(weight), std::move(bias), std::move(prefix));
}

void matmul(NodeContext& ctx) {
  const auto x = matrix_input(ctx);
  const auto b = ctx.constant(1);
  if (!x || !b || ctx.failed()) return;
  if (b->shape.size() != 2 || b->shape[0] != x->shape[1]) {
    ctx.unsupported(fmt::format("B has shape {}, which does not multiply {}", to_string(b->shape),
                                to_string(x->shape)));
    return;
  }
  add_linear(ctx, *x, transposed(*b, 1.0f), std::nullopt, "");
}

// ---------------------------------------------------------------- shapes and no-ops

// [N, C, H, W] -> [N, C*H*W] is the spec's flatten; a [N, K] tensor stays as it is.
void flatten_to_matrix(NodeContext& ctx, const SpecValueRef& x, const std::string& what) {
  if (x.shape.size() == 2) return ctx.alias(x);
  if (x.shape.size() != 4) {
    ctx.unsupported(fmt::format("{}; resnetc flattens 4-D tensors to [N, C*H*W]", what));
    return;
  }
  LayerDraft layer;
  layer.attrs = {{"op", "flatten"}};
  layer.inputs = {x.layer};
  ctx.add_layer(std::move(layer), {x.shape[0], x.shape[1] * x.shape[2] * x.shape[3]});
}

void flatten(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  std::int64_t axis = ctx.integer("axis", 1);
  if (!x || ctx.failed()) return;
  const auto rank = static_cast<std::int64_t>(x->shape.size());
  if (axis < 0) axis += rank;
  const std::string what = fmt::format("Flatten of {} at axis {}", to_string(x->shape), axis);
  if (axis != 1) return ctx.unsupported(what + " is not supported; resnetc flattens at axis 1 to [N, features]");
  flatten_to_matrix(ctx, *x, what);
}

void reshape(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  const bool allow_zero = ctx.integer("allowzero", 0) != 0;
  // Before opset 5 the target shape is an attribute, not an input.
  const auto target = ctx.opset() < 5 ? std::optional(ctx.integers("shape", {})) : ctx.integer_constant(1);
  if (!x || !target || ctx.failed()) return;
  const Dims& t = *target;
  const std::int64_t batch = x->shape[0];
  const std::int64_t rest = numel(x->shape) / std::max<std::int64_t>(batch, 1);
  const bool keeps_batch =
      t.size() == 2 && (t[0] == batch || (t[0] == 0 && !allow_zero) || (t[0] == -1 && t[1] == rest));
  const bool flattens = keeps_batch && (t[1] == -1 || t[1] == rest);
  const std::string what = fmt::format("Reshape of {} to {}", to_string(x->shape), list(t));
  if (!flattens) return ctx.unsupported(what + " is not supported; resnetc supports reshaping to [N, -1]");
  flatten_to_matrix(ctx, *x, what);
}

void identity(NodeContext& ctx) {
  if (ctx.is_constant(0)) return ctx.alias_constant(0);  // exporters name shared initializers so
  if (const auto x = ctx.activation(0)) ctx.alias(*x);
}

void dropout(NodeContext& ctx) {
  ctx.ignore("ratio");
  ctx.ignore("seed");
  require_test_mode(ctx);
  if (ctx.output_used(1)) ctx.unsupported("the mask output is not supported; resnetc runs inference");
  if (ctx.has_input(2)) {
    const auto training = ctx.integer_constant(2);
    if (!training || training->size() != 1 || (*training)[0] != 0)
      ctx.unsupported("training_mode must be a constant false; resnetc runs inference");
  }
  if (!ctx.failed()) identity(ctx);
}

void constant(NodeContext& ctx) {
  if (const auto* value = ctx.tensor_attribute("value")) return ctx.define_constant(*value);
  onnx::TensorProto t;
  if (ctx.has("value_float")) {
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(ctx.real("value_float", 0));
  } else if (ctx.has("value_floats")) {
    ctx.unsupported("value_floats is not supported; give the tensor as \"value\"");
    return;
  } else if (ctx.has("value_int") || ctx.has("value_ints")) {
    t.set_data_type(onnx::TensorProto::INT64);
    const Dims ints = ctx.has("value_int") ? Dims{ctx.integer("value_int", 0)} : ctx.integers("value_ints", {});
    for (const std::int64_t i : ints) t.add_int64_data(i);
    if (ctx.has("value_ints")) t.add_dims(static_cast<std::int64_t>(ints.size()));
  } else {
    ctx.unsupported("a Constant needs \"value\", \"value_float\", \"value_int\" or \"value_ints\"");
    return;
  }
  ctx.define_constant(std::move(t));
}

}  // namespace

const std::map<std::string, Translator, std::less<>>& translators() {
  static const std::map<std::string, Translator, std::less<>> table = {
      {"Add", add},
      {"AveragePool", [](NodeContext& c) { pool(c, true); }},
      {"BatchNormalization", batchnorm},
      {"Constant", constant},
      {"Conv", conv},
      {"Dropout", dropout},
      {"Flatten", flatten},
      {"Gemm", gemm},
      {"GlobalAveragePool", [](NodeContext& c) { simple(c, "global_avgpool", true); }},
      {"Identity", identity},
      {"MatMul", matmul},
      {"MaxPool", [](NodeContext& c) { pool(c, false); }},
      {"Relu", [](NodeContext& c) { simple(c, "relu", false); }},
      {"Reshape", reshape},
  };
  return table;
}

}  // namespace rnc::onnx_import
