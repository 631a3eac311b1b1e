// avgpool2d: square window; zero padding counted in the divisor (PyTorch's count_include_pad=True
// default) or, with count_include_pad false, only the input elements under the window.
#include <fmt/format.h>

#include "dsl/ir/ops/ops.hpp"

namespace rnc {

AvgPool2d AvgPool2d::parse(AttrReader& a) {
  AvgPool2d p;
  ops_detail::parse_window(a, p.kernel, p.stride, p.padding);
  p.count_include_pad = a.boolean("count_include_pad", true);
  return p;
}

std::optional<Shape> AvgPool2d::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  if (!ops_detail::expect_rank(in[0], 4, diags, where, kName)) return std::nullopt;
  return ops_detail::infer_window(in[0], in[0][1], kernel, stride, padding, diags, where, kName);
}

std::vector<ParamSpec> AvgPool2d::params(Shapes) const { return {}; }
std::int64_t AvgPool2d::macs(Shapes, const Shape& out) const { return numel(out) * kernel * kernel; }

void AvgPool2d::reference(TensorRefs in, TensorRefs, Tensor& out) const {
  const Tensor& x = *in[0];
  for (std::int64_t n = 0; n < out.shape[0]; ++n)
    for (std::int64_t c = 0; c < out.shape[1]; ++c)
      for (std::int64_t oh = 0; oh < out.shape[2]; ++oh)
        for (std::int64_t ow = 0; ow < out.shape[3]; ++ow) {
          double sum = 0;
          std::int64_t inside = 0;
          for (std::int64_t kh = 0; kh < kernel; ++kh)
            for (std::int64_t kw = 0; kw < kernel; ++kw) {
              const std::int64_t ih = oh * stride - padding + kh, iw = ow * stride - padding + kw;
              if (ih >= 0 && ih < x.shape[2] && iw >= 0 && iw < x.shape[3]) {
                sum += x.at4(n, c, ih, iw);
                ++inside;
              }
            }
          out.at4(n, c, oh, ow) = static_cast<float>(sum / double(count_include_pad ? kernel * kernel : inside));
        }
}

std::string AvgPool2d::summary() const {
  return fmt::format("avgpool{}x{}/s{}/p{}{}", kernel, kernel, stride, padding, count_include_pad ? "" : " excl-pad");
}

}  // namespace rnc
