#include "codegen/pack_weights.hpp"

#include "codegen/program.hpp"

namespace rnc {
namespace {

std::int64_t round_up(std::int64_t c) { return (c + kLanes - 1) / kLanes * kLanes; }

}  // namespace

// Output channel oc of a layer whose register blocks hold `oc_blocks` 16-channel blocks: its
// group of blocks and its lane within the group's oc_blocks x 16 adjacent channels.
struct OcPlace {
  std::int64_t group, lane;
};
OcPlace oc_place(std::int64_t oc, int oc_blocks) {
  const std::int64_t per_group = static_cast<std::int64_t>(oc_blocks) * kLanes;
  return {oc / per_group, oc % per_group};
}

std::vector<float> pack_conv_blocked(const Tensor& w, int oc_blocks) {
  const std::int64_t oc_n = w.shape[0], ic_n = w.shape[1], k = w.shape[2];
  const std::int64_t ocb = round_up(oc_n) / kLanes, icb = round_up(ic_n) / kLanes, group = oc_blocks * kLanes;
  std::vector<float> out(static_cast<std::size_t>(ocb * icb * k * k * kLanes * kLanes), 0.0f);
  for (std::int64_t oc = 0; oc < oc_n; ++oc)
    for (std::int64_t ic = 0; ic < ic_n; ++ic)
      for (std::int64_t kh = 0; kh < k; ++kh)
        for (std::int64_t kw = 0; kw < k; ++kw) {
          const OcPlace o = oc_place(oc, oc_blocks);
          const std::int64_t dst = ((((o.group * icb + ic / kLanes) * k + kh) * k + kw) * kLanes + ic % kLanes) * group + o.lane;
          out[static_cast<std::size_t>(dst)] = w.at4(oc, ic, kh, kw);
        }
  return out;
}

std::vector<float> pack_conv_nchw_in(const Tensor& w, int oc_blocks) {
  const std::int64_t oc_n = w.shape[0], ic_n = w.shape[1], k = w.shape[2];
  const std::int64_t ocb = round_up(oc_n) / kLanes, group = oc_blocks * kLanes;
  std::vector<float> out(static_cast<std::size_t>(ocb * ic_n * k * k * kLanes), 0.0f);
  for (std::int64_t oc = 0; oc < oc_n; ++oc)
    for (std::int64_t ic = 0; ic < ic_n; ++ic)
      for (std::int64_t kh = 0; kh < k; ++kh)
        for (std::int64_t kw = 0; kw < k; ++kw) {
          const OcPlace o = oc_place(oc, oc_blocks);
          const std::int64_t dst = (((o.group * ic_n + ic) * k + kh) * k + kw) * group + o.lane;
          out[static_cast<std::size_t>(dst)] = w.at4(oc, ic, kh, kw);
        }
  return out;
}

std::vector<float> pack_channels(const Tensor* values, std::int64_t channels) {
  std::vector<float> out(static_cast<std::size_t>(round_up(channels)), 0.0f);
  if (values) std::copy(values->data.begin(), values->data.end(), out.begin());
  return out;
}

}  // namespace rnc
