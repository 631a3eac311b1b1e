#include "codegen/pack_weights.hpp"

#include <cmath>

#include "codegen/fold_batchnorm.hpp"
#include "codegen/pack_int8.hpp"
#include "codegen/program.hpp"
#include "codegen/winograd.hpp"
#include "dsl/invariant.hpp"

namespace rnc {
namespace {

// Output channel oc of a layer whose register blocks hold `oc_blocks` blocks of `lanes`
// channels: its group of blocks and its lane within the group's oc_blocks x lanes adjacent
// channels.
struct OcPlace {
  std::int64_t group, lane;
};
OcPlace oc_place(std::int64_t oc, int oc_blocks, int lanes) {
  const std::int64_t per_group = static_cast<std::int64_t>(oc_blocks) * lanes;
  return {oc / per_group, oc % per_group};
}

std::vector<float> pack(const PackConv& r, const PackSource& source) {
  const WeightMap& w = source.folded;
  const Tensor weight = expand_groups(w.at(r.weight), r.groups, r.kernel_groups);
  return r.nchw_in ? pack_conv_nchw_in(weight, r.oc_blocks, r.lanes) : pack_conv_blocked(weight, r.oc_blocks, r.lanes);
}

std::vector<float> pack(const PackWinograd& r, const PackSource& source) {
  const WeightMap& w = source.folded;
  return pack_winograd_weights(w.at(r.weight), r.lanes, r.m);
}

std::vector<float> pack(const PackChannels& r, const PackSource& source) {
  const WeightMap& w = source.folded;
  return pack_channels(r.values.empty() ? nullptr : &w.at(r.values), r.channels, r.lanes);
}

std::vector<float> pack(const PackBatchnorm& r, const PackSource& source) {
  const WeightMap& w = source.folded;
  Tensor values(Shape{r.channels});
  const auto& [gamma, beta, mean, var] = std::tie(w.at(r.prefix + ".weight"), w.at(r.prefix + ".bias"),
                                                  w.at(r.prefix + ".running_mean"), w.at(r.prefix + ".running_var"));
  for (std::size_t c = 0; c < static_cast<std::size_t>(r.channels); ++c) {
    const double scale = double(gamma.data[c]) / std::sqrt(double(var.data[c]) + r.eps);
    values.data[c] = static_cast<float>(r.shift ? double(beta.data[c]) - double(mean.data[c]) * scale : scale);
  }
  return pack_channels(&values, r.channels, r.lanes);
}

std::vector<float> pack(const PackCopy& r, const PackSource& source) {
  const WeightMap& w = source.folded;
  return r.tensor.empty() ? std::vector<float>(static_cast<std::size_t>(r.floats), 0.0f) : w.at(r.tensor).data;
}

const ActivationScales& scales_of(const PackSource& source) {
  check_invariant(source.scales != nullptr, "an int8 tensor packed without calibrated scales");
  return *source.scales;
}

std::vector<float> pack(const PackQConv& r, const PackSource& source) {
  return pack_qconv_weights(quantize_conv(r.conv, source.folded, scales_of(source)), r.oc_blocks, r.lanes);
}

std::vector<float> pack(const PackQWinograd& r, const PackSource& source) {
  return pack_qwinograd_weights(quantize_conv(r.conv, source.folded, scales_of(source)), r.oc_blocks, r.lanes);
}

std::vector<float> pack(const PackQConvParams& r, const PackSource& source) {
  return pack_qconv_params(quantize_conv(r.conv, source.folded, scales_of(source)), r.lanes);
}

std::vector<float> pack(const PackScale& r, const PackSource& source) {
  const float scale = scale_of(scales_of(source), r.value);
  std::vector<float> out(kern::kLineFloats, 0.0f);
  out[0] = r.inverse ? 1.0f / scale : scale;
  return out;
}

}  // namespace

std::vector<float> pack_conv_blocked(const Tensor& w, int oc_blocks, int lanes) {
  const std::int64_t oc_n = w.shape[0], ic_n = w.shape[1], k = w.shape[2], L = lanes;
  const std::int64_t ocb = round_up_channels(oc_n, lanes) / L, icb = round_up_channels(ic_n, lanes) / L,
                     group = oc_blocks * L;
  std::vector<float> out(static_cast<std::size_t>(ocb * icb * k * k * L * L), 0.0f);
  for (std::int64_t oc = 0; oc < oc_n; ++oc)
    for (std::int64_t ic = 0; ic < ic_n; ++ic)
      for (std::int64_t kh = 0; kh < k; ++kh)
        for (std::int64_t kw = 0; kw < k; ++kw) {
          const OcPlace o = oc_place(oc, oc_blocks, lanes);
          const std::int64_t dst = ((((o.group * icb + ic / L) * k + kh) * k + kw) * L + ic % L) * group + o.lane;
          out[static_cast<std::size_t>(dst)] = w.at4(oc, ic, kh, kw);
        }
  return out;
}

std::vector<float> pack_conv_nchw_in(const Tensor& w, int oc_blocks, int lanes) {
  const std::int64_t oc_n = w.shape[0], ic_n = w.shape[1], k = w.shape[2];
  const std::int64_t oc_pad = round_up_channels(oc_n, lanes), group = static_cast<std::int64_t>(oc_blocks) * lanes;
  std::vector<float> out(static_cast<std::size_t>(oc_pad * ic_n * k * k), 0.0f);
  for (std::int64_t oc = 0; oc < oc_n; ++oc)
    for (std::int64_t ic = 0; ic < ic_n; ++ic)
      for (std::int64_t kh = 0; kh < k; ++kh)
        for (std::int64_t kw = 0; kw < k; ++kw) {
          const OcPlace o = oc_place(oc, oc_blocks, lanes);
          const std::int64_t dst = (((o.group * ic_n + ic) * k + kh) * k + kw) * group + o.lane;
          out[static_cast<std::size_t>(dst)] = w.at4(oc, ic, kh, kw);
        }
  return out;
}

Tensor expand_groups(const Tensor& w, std::int64_t groups, std::int64_t kernel_groups) {
  check_invariant(groups % kernel_groups == 0, "kernel groups that do not divide the groups");
  if (groups == kernel_groups) return w;
  const std::int64_t oc_n = w.shape[0], ic_group = w.shape[1], k = w.shape[2], merged = groups / kernel_groups;
  const std::int64_t oc_group = oc_n / groups;
  Tensor out(Shape{oc_n, ic_group * merged, k, k});
  // Output channel oc is in real group oc / oc_group, the (oc / oc_group % merged)-th of its kernel group.
  for (std::int64_t oc = 0; oc < oc_n; ++oc) {
    const float* src = w.data.data() + w.offset4(oc, 0, 0, 0);
    std::copy(src, src + ic_group * k * k, out.data.data() + out.offset4(oc, oc / oc_group % merged * ic_group, 0, 0));
  }
  return out;
}

std::vector<float> pack_channels(const Tensor* values, std::int64_t channels, int lanes) {
  std::vector<float> out(static_cast<std::size_t>(round_up_channels(channels, lanes)), 0.0f);
  if (values) std::copy(values->data.begin(), values->data.end(), out.begin());
  return out;
}

std::int64_t packed_floats(const PackRecipe& recipe) {
  struct Size {
    std::int64_t operator()(const PackConv& r) const {
      const std::int64_t oc = round_up_channels(r.shape[0], r.lanes), k2 = r.shape[2] * r.shape[3];
      const std::int64_t ic = r.shape[1] * (r.groups / r.kernel_groups);  // of a kernel group
      return oc * (r.nchw_in ? ic : round_up_channels(ic, r.lanes)) * k2;
    }
    std::int64_t operator()(const PackWinograd& r) const {
      return std::int64_t{r.m + 2} * (r.m + 2) * round_up_channels(r.shape[0], r.lanes) *
             round_up_channels(r.shape[1], r.lanes);
    }
    std::int64_t operator()(const PackChannels& r) const { return round_up_channels(r.channels, r.lanes); }
    std::int64_t operator()(const PackBatchnorm& r) const { return round_up_channels(r.channels, r.lanes); }
    std::int64_t operator()(const PackCopy& r) const { return r.floats; }
    std::int64_t operator()(const PackQConv& r) const {
      const Shape& s = r.conv.weight_shape;
      return packed_qconv_weight_floats(s[0], s[1], s[2], r.lanes);
    }
    std::int64_t operator()(const PackQWinograd& r) const {
      const Shape& s = r.conv.weight_shape;
      return packed_qwinograd_weight_floats(s[0], s[1], r.lanes);
    }
    std::int64_t operator()(const PackQConvParams& r) const {
      return kern::QConvParamsLayout{round_up_channels(r.conv.weight_shape[0], r.lanes)}.words();
    }
    std::int64_t operator()(const PackScale&) const { return kern::kLineFloats; }
  };
  return std::visit(Size{}, recipe);
}

std::vector<float> pack_tensor(const PackRecipe& recipe, const PackSource& source) {
  return std::visit([&](const auto& r) { return pack(r, source); }, recipe);
}

std::vector<std::vector<float>> pack_weights(const Program& program, const WeightMap& weights,
                                             const ActivationScales* scales) {
  const WeightMap folded = fold_batchnorm_weights(program.folds, weights);
  std::vector<std::vector<float>> packed;
  for (const PackedTensor& t : program.tensors) {
    packed.push_back(pack_tensor(t.recipe, {folded, scales}));
    check_invariant(static_cast<std::int64_t>(packed.back().size()) == t.floats,
                    "packed tensor " + t.name + " is not the planned size");
  }
  return packed;
}

}  // namespace rnc
