// conv2d: square kernel, equal stride and padding on both axes, optional bias (PyTorch Conv2d).
#include <fmt/format.h>

#include "dsl/ops/ops.hpp"

namespace rnc {

Conv2d Conv2d::parse(AttrReader& a) {
  Conv2d c;
  c.out_channels = a.integer("out_channels", std::nullopt, 1);
  c.kernel = a.integer("kernel", std::nullopt, 1);
  c.stride = a.integer("stride", 1, 1);
  c.padding = a.integer("padding", 0, 0);
  c.bias = a.boolean("bias", true);
  return c;
}

std::optional<Shape> Conv2d::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  auto out = ops_detail::infer_window(in[0], out_channels, kernel, stride, padding, diags, where, kName);
  if (out && fused_residual && in[1] != *out) {
    diags.error(where, fmt::format("fused residual {} does not match the output {}", to_string(in[1]), to_string(*out)));
    return std::nullopt;
  }
  return out;
}

std::vector<ParamSpec> Conv2d::params(Shapes in) const {
  std::vector<ParamSpec> p{{"weight", {out_channels, in[0][1], kernel, kernel}}};
  if (bias) p.push_back({"bias", {out_channels}});
  return p;
}

std::int64_t Conv2d::macs(Shapes in, const Shape& out) const { return numel(out) * in[0][1] * kernel * kernel; }

void Conv2d::reference(TensorRefs in, TensorRefs params, Tensor& out) const {
  const Tensor& x = *in[0];
  const Tensor& w = *params[0];
  const std::int64_t ic_count = x.shape[1], ih_count = x.shape[2], iw_count = x.shape[3];
  for (std::int64_t n = 0; n < out.shape[0]; ++n)
    for (std::int64_t oc = 0; oc < out.shape[1]; ++oc)
      for (std::int64_t oh = 0; oh < out.shape[2]; ++oh)
        for (std::int64_t ow = 0; ow < out.shape[3]; ++ow) {
          double acc = bias ? (*params[1]).data[static_cast<std::size_t>(oc)] : 0.0;
          for (std::int64_t ic = 0; ic < ic_count; ++ic)
            for (std::int64_t kh = 0; kh < kernel; ++kh) {
              const std::int64_t ih = oh * stride - padding + kh;
              if (ih < 0 || ih >= ih_count) continue;
              for (std::int64_t kw = 0; kw < kernel; ++kw) {
                const std::int64_t iw = ow * stride - padding + kw;
                if (iw < 0 || iw >= iw_count) continue;
                acc += double(x.at4(n, ic, ih, iw)) * double(w.at4(oc, ic, kh, kw));
              }
            }
          if (fused_residual) acc += in[1]->at4(n, oc, oh, ow);
          if (fused_relu && acc < 0) acc = 0;
          out.at4(n, oc, oh, ow) = static_cast<float>(acc);
        }
}

std::string Conv2d::summary() const {
  std::string s = fmt::format("conv{}x{}/s{}", kernel, kernel, stride);
  if (padding) s += fmt::format("/p{}", padding);
  return s;
}

}  // namespace rnc
