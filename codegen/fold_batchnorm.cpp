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
  Graph& g = model.graph;
  bool changed = true;
  while (changed) {  // one fold per round: absorb_consumer renumbers nodes
    changed = false;
    const std::vector<int> uses = g.use_counts();
    const std::vector<int> producer = producers(g);
    for (std::size_t i = 0; i < g.nodes.size() && !changed; ++i) {
      const auto* bn = std::get_if<BatchNorm2d>(&g.nodes[i].op);
      if (!bn) continue;
      const ValueId x = g.nodes[i].inputs[0];
      const int p = producer[static_cast<std::size_t>(x)];
      if (p < 0 || uses[static_cast<std::size_t>(x)] != 1) continue;
      auto* conv = std::get_if<Conv2d>(&g.nodes[static_cast<std::size_t>(p)].op);
      if (!conv || conv->fused_relu || conv->fused_residual) continue;
      fold_into(*conv, g.nodes[static_cast<std::size_t>(p)].weights, *bn, g.nodes[i].weights, model.weights);
      for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var"})
        model.weights.tensors.erase(g.nodes[i].weights + suffix);
      absorb_consumer(g, p, static_cast<int>(i));
      changed = true;
    }
  }
  return model;
}

}  // namespace rnc
