#include "codegen/fold_batchnorm.hpp"

#include <cmath>

#include "dsl/ir/graph_edit.hpp"

namespace rnc {
namespace {

void fold_into(Conv2d& conv, const std::string& conv_prefix, const BatchNorm2d& bn, const std::string& bn_prefix,
               WeightMap& w) {
  const Tensor& gamma = w.at(bn_prefix + ".weight");
  const Tensor& beta = w.at(bn_prefix + ".bias");
  const Tensor& mean = w.at(bn_prefix + ".running_mean");
  const Tensor& var = w.at(bn_prefix + ".running_var");
  Tensor& weight = w.tensors.at(conv_prefix + ".weight");
  const std::int64_t out_channels = weight.shape[0];
  const std::int64_t per_channel = numel(weight.shape) / out_channels;

  Tensor bias(Shape{out_channels});
  for (std::int64_t oc = 0; oc < out_channels; ++oc) {
    const auto c = static_cast<std::size_t>(oc);
    const double scale = double(gamma.data[c]) / std::sqrt(double(var.data[c]) + bn.eps);
    const double old_bias = conv.bias ? double(w.at(conv_prefix + ".bias").data[c]) : 0.0;
    bias.data[c] = static_cast<float>((old_bias - double(mean.data[c])) * scale + double(beta.data[c]));
    for (std::int64_t k = oc * per_channel; k < (oc + 1) * per_channel; ++k) {
      float& v = weight.data[static_cast<std::size_t>(k)];
      v = static_cast<float>(double(v) * scale);
    }
  }
  w.tensors[conv_prefix + ".bias"] = std::move(bias);
  conv.bias = true;
}

}  // namespace

Model fold_batchnorm(Model model) {
  FoldSweep sweep(model.graph, use_counts(model));
  for (int i = 0; i < sweep.size(); ++i) {
    const Node& norm = sweep.node(i);
    const auto* bn = std::get_if<BatchNorm2d>(&norm.op);
    if (!bn) continue;
    const int p = sweep.sole_producer(norm.inputs[0]);
    if (p < 0) continue;
    Node& producer = sweep.node(p);
    auto* conv = std::get_if<Conv2d>(&producer.op);
    // An epilogue would run before the batchnorm, so its results are not the convolution's.
    if (!conv || epilogue_of(model.epilogues, producer)) continue;
    fold_into(*conv, producer.weights, *bn, norm.weights, model.weights);
    for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var"}) model.weights.tensors.erase(norm.weights + suffix);
    sweep.absorb_consumer(p, i);
  }
  sweep.finish();
  return model;
}

}  // namespace rnc
