// conv2d: square kernel, equal stride and padding on both axes, optional bias, channel groups
// (PyTorch Conv2d: with `groups` g, output channel o reads only the in/g input channels of its
// group o / (out/g); the weights are [out, in/g, k, k]).
#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "dsl/ir/ops/ops.hpp"

namespace rnc {

Conv2d Conv2d::parse(AttrReader& a) {
  Conv2d c;
  c.out_channels = a.integer("out_channels", std::nullopt, 1);
  c.kernel = a.integer("kernel", std::nullopt, 1);
  c.stride = a.integer("stride", 1, 1);
  c.padding = a.integer("padding", 0, 0);
  c.groups = a.integer("groups", 1, 1);
  c.bias = a.boolean("bias", true);
  return c;
}

std::optional<Shape> Conv2d::infer(Shapes in, Diagnostics& diags, const std::string& where) const {
  std::optional<Shape> out =
      ops_detail::infer_window(in[0], out_channels, kernel, stride, padding, diags, where, kName);
  if (out && (in[0][1] % groups != 0 || out_channels % groups != 0)) {
    diags.error(where, fmt::format("{}: groups {} must divide the input channels ({}) and the output channels ({})",
                                   kName, groups, in[0][1], out_channels));
    return std::nullopt;
  }
  return out;
}

std::vector<ParamSpec> Conv2d::params(Shapes in) const {
  std::vector<ParamSpec> p{{"weight", {out_channels, in[0][1] / groups, kernel, kernel}}};
  if (bias) p.push_back({"bias", {out_channels}});
  return p;
}

std::int64_t Conv2d::macs(Shapes in, const Shape& out) const {
  return numel(out) * (in[0][1] / groups) * kernel * kernel;
}

// Accumulates in double, in the order ic, kh, kw for every output element, one output row at a
// time: the inner loop runs along a contiguous input row, so the reference stays fast enough for the
// 224x224 end-to-end tests even in the unoptimized sanitizer build. Output channel oc reads the
// input channels of its group only (weight channel ic is input channel first_ic + ic).
void Conv2d::reference(TensorRefs in, TensorRefs params, Tensor& out) const {
  const Tensor& x = *in[0];
  const Tensor& w = *params[0];
  const std::int64_t ic_count = w.shape[1], ih_count = x.shape[2], iw_count = x.shape[3];
  const std::int64_t oc_per_group = out.shape[1] / groups;
  const std::int64_t ow_count = out.shape[3];
  std::vector<double> row_buffer(static_cast<std::size_t>(ow_count));
  double* row = row_buffer.data();
  // For each kw, the outputs whose input column ow * stride - padding + kw lies inside the row.
  std::vector<std::int64_t> ow_begin(static_cast<std::size_t>(kernel)), ow_end(static_cast<std::size_t>(kernel));
  for (std::int64_t kw = 0; kw < kernel; ++kw) {
    const std::int64_t first = padding - kw, last = iw_count - 1 + padding - kw;
    const auto k = static_cast<std::size_t>(kw);
    ow_begin[k] = first > 0 ? (first + stride - 1) / stride : 0;
    ow_end[k] = last < 0 ? 0 : std::min(ow_count, last / stride + 1);
  }
  for (std::int64_t n = 0; n < out.shape[0]; ++n)
    for (std::int64_t oc = 0; oc < out.shape[1]; ++oc)
      for (std::int64_t oh = 0; oh < out.shape[2]; ++oh) {
        std::fill(row, row + ow_count, bias ? double((*params[1]).data[static_cast<std::size_t>(oc)]) : 0.0);
        const std::int64_t first_ic = oc / oc_per_group * ic_count;
        for (std::int64_t ic = 0; ic < ic_count; ++ic)
          for (std::int64_t kh = 0; kh < kernel; ++kh) {
            const std::int64_t ih = oh * stride - padding + kh;
            if (ih < 0 || ih >= ih_count) continue;
            const float* x_row = x.data.data() + x.offset4(n, first_ic + ic, ih, 0);
            const float* w_row = w.data.data() + w.offset4(oc, ic, kh, 0);
            for (std::int64_t kw = 0; kw < kernel; ++kw) {
              const double weight = w_row[kw];
              const auto k = static_cast<std::size_t>(kw);
              for (std::int64_t ow = ow_begin[k]; ow < ow_end[k]; ++ow)
                row[ow] += double(x_row[ow * stride - padding + kw]) * weight;
            }
          }
        float* out_row = out.data.data() + out.offset4(n, oc, oh, 0);
        for (std::int64_t ow = 0; ow < ow_count; ++ow) out_row[ow] = static_cast<float>(row[ow]);
      }
}

std::string Conv2d::summary() const {
  std::string s = fmt::format("conv{}x{}/s{}", kernel, kernel, stride);
  if (padding) s += fmt::format("/p{}", padding);
  if (groups > 1) s += fmt::format("/g{}", groups);
  return s;
}

}  // namespace rnc
