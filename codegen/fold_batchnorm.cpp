#include "codegen/fold_batchnorm.hpp"

#include <cmath>

#include "dsl/ir/graph_edit.hpp"

namespace rnc {
namespace {

void fold_into(const BatchnormFold& fold, WeightMap& w) {
  const Tensor& gamma = w.at(fold.norm + ".weight");
  const Tensor& beta = w.at(fold.norm + ".bias");
  const Tensor& mean = w.at(fold.norm + ".running_mean");
  const Tensor& var = w.at(fold.norm + ".running_var");
  Tensor& weight = w.tensors.at(fold.conv + ".weight");
  const std::int64_t out_channels = weight.shape[0];
  const std::int64_t per_channel = numel(weight.shape) / out_channels;

  Tensor bias(Shape{out_channels});
  for (std::int64_t oc = 0; oc < out_channels; ++oc) {
    const auto c = static_cast<std::size_t>(oc);
    const double scale = double(gamma.data[c]) / std::sqrt(double(var.data[c]) + fold.eps);
    const double old_bias = fold.conv_had_bias ? double(w.at(fold.conv + ".bias").data[c]) : 0.0;
    bias.data[c] = static_cast<float>((old_bias - double(mean.data[c])) * scale + double(beta.data[c]));
    for (std::int64_t k = oc * per_channel; k < (oc + 1) * per_channel; ++k) {
      float& v = weight.data[static_cast<std::size_t>(k)];
      v = static_cast<float>(double(v) * scale);
    }
  }
  w.tensors[fold.conv + ".bias"] = std::move(bias);
  for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var"}) w.tensors.erase(fold.norm + suffix);
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
    model.folds.push_back({producer.weights, norm.weights, bn->eps, conv->bias});
    conv->bias = true;
    sweep.absorb_consumer(p, i);
  }
  sweep.finish();
  return model;
}

WeightMap fold_batchnorm_weights(const std::vector<BatchnormFold>& folds, WeightMap weights) {
  for (const BatchnormFold& fold : folds) fold_into(fold, weights);
  return weights;
}

}  // namespace rnc
