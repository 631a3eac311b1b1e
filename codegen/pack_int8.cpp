#include "codegen/pack_int8.hpp"

#include <cstring>

#include "codegen/program.hpp"
#include "dsl/invariant.hpp"
#include "kernels/qconv.hpp"
#include "kernels/qwinograd.hpp"

namespace rnc {

std::int64_t packed_qconv_weight_floats(std::int64_t oc, std::int64_t ic, std::int64_t k, int lanes) {
  const std::int64_t bytes = round_up_channels(oc, lanes) * round_up_channels(ic, lanes) * k * k;
  return (bytes + 3) / 4;
}

std::int64_t packed_qconv_params_floats(std::int64_t oc, int lanes) {
  return kern::QConvParamsLayout{round_up_channels(oc, lanes)}.words();
}

std::vector<float> pack_qconv_weights(const QConvLayer& l, int oc_blocks, int lanes) {
  const std::int64_t L = lanes, k = l.kernel, icb = round_up_channels(l.in_channels, lanes) / L;
  const std::int64_t group = oc_blocks * L;  // output channels of one register block
  check_invariant(lanes % 4 == 0 && round_up_channels(l.out_channels, lanes) % group == 0,
                  "int8 weights: lanes must be a multiple of 4 and oc_blocks divide the output blocks");
  check_invariant(static_cast<std::int64_t>(l.weight.size()) == l.out_channels * l.in_channels * k * k,
                  "int8 weights: not [OC][IC][K][K]");
  std::vector<float> out(static_cast<std::size_t>(packed_qconv_weight_floats(l.out_channels, l.in_channels, k, lanes)),
                         0.0f);
  auto* bytes = reinterpret_cast<std::int8_t*>(out.data());  // s8 stored in the float payload
  std::size_t src = 0;
  for (std::int64_t oc = 0; oc < l.out_channels; ++oc)
    for (std::int64_t ic = 0; ic < l.in_channels; ++ic)
      for (std::int64_t kh = 0; kh < k; ++kh)
        for (std::int64_t kw = 0; kw < k; ++kw, ++src) {
          const std::int64_t tap = ((oc / group * icb + ic / L) * k + kh) * k + kw;
          const std::int64_t dst = ((tap * (L / 4) + ic % L / 4) * group + oc % group) * 4 + ic % 4;
          bytes[dst] = l.weight[src];
        }
  return out;
}

std::int64_t packed_qwinograd_weight_floats(std::int64_t oc, std::int64_t ic, int lanes) {
  return (kern::qwinograd_weight_count(static_cast<int>(oc), static_cast<int>(ic), lanes) + 1) / 2;
}

std::vector<float> pack_qwinograd_weights(const QConvLayer& l, int oc_blocks, int lanes) {
  check_invariant(l.kernel == 3 && round_up_channels(l.out_channels, lanes) / lanes % oc_blocks == 0,
                  "int8 Winograd weights: a 3x3 layer whose oc_blocks divide the output blocks");
  check_invariant(static_cast<std::int64_t>(l.weight.size()) == l.out_channels * l.in_channels * 9,
                  "int8 weights: not [OC][IC][3][3]");
  std::vector<float> out(static_cast<std::size_t>(packed_qwinograd_weight_floats(l.out_channels, l.in_channels, lanes)),
                         0.0f);
  kern::pack_qwinograd_weights(l.weight.data(), static_cast<int>(l.out_channels), static_cast<int>(l.in_channels),
                               lanes, oc_blocks, reinterpret_cast<std::int16_t*>(out.data()));  // int16 in floats
  return out;
}

std::vector<float> pack_qconv_params(const QConvLayer& l, int lanes) {
  check_invariant(static_cast<std::int64_t>(l.bias.size()) == l.out_channels &&
                      static_cast<std::int64_t>(l.mult.size()) == l.out_channels,
                  "int8 parameters: bias and mult need one value per output channel");
  const kern::QConvParamsLayout p{round_up_channels(l.out_channels, lanes)};
  std::vector<float> out(static_cast<std::size_t>(p.words()), 0.0f);
  std::memcpy(out.data() + p.bias(), l.bias.data(), l.bias.size() * sizeof(std::int32_t));  // int32 bits
  std::copy(l.mult.begin(), l.mult.end(), out.begin() + p.mult());
  out[static_cast<std::size_t>(p.res_scale())] = l.res_scale;
  return out;
}

}  // namespace rnc
