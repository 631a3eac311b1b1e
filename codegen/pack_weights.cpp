#include "codegen/pack_weights.hpp"

#include "codegen/program.hpp"

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

}  // namespace

std::vector<float> pack_conv_blocked(const Tensor& w, int oc_blocks, int lanes) {
  const std::int64_t oc_n = w.shape[0], ic_n = w.shape[1], k = w.shape[2], L = lanes;
  const std::int64_t ocb = round_up_channels(oc_n, lanes) / L, icb = round_up_channels(ic_n, lanes) / L, group = oc_blocks * L;
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

std::vector<float> pack_channels(const Tensor* values, std::int64_t channels, int lanes) {
  std::vector<float> out(static_cast<std::size_t>(round_up_channels(channels, lanes)), 0.0f);
  if (values) std::copy(values->data.begin(), values->data.end(), out.begin());
  return out;
}

}  // namespace rnc
