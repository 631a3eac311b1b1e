#include "codegen/int8_ops.hpp"

#include "dsl/invariant.hpp"
#include "kernels/qconv.hpp"

namespace rnc {

QTensor qconv_reference(const QConvLayer& l, const QTensor& in, const QTensor* residual, float out_scale) {
  const Shape& s = in.shape;
  check_invariant(s.size() == 4 && s[1] == l.in_channels, "qconv_reference: input is not [N][IC][H][W]");
  check_invariant(!l.residual || residual != nullptr, "qconv_reference: residual layer without residual");
  const std::int64_t n = s[0], ic_n = s[1], h = s[2], w = s[3], k = l.kernel;
  const std::int64_t oh = (h + 2 * l.padding - k) / l.stride + 1, ow = (w + 2 * l.padding - k) / l.stride + 1;
  QTensor out{{n, l.out_channels, oh, ow}, {}, out_scale, !l.relu};
  const auto count = static_cast<std::size_t>(n * l.out_channels * oh * ow);
  out.data.reserve(count);
  check_invariant(!l.residual || residual->data.size() == count, "qconv_reference: residual is not the output's shape");
  const auto at = [&](std::int64_t i, std::int64_t c, std::int64_t y, std::int64_t x) {
    return in.data[static_cast<std::size_t>(((i * ic_n + c) * h + y) * w + x)];
  };
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t oc = 0; oc < l.out_channels; ++oc)
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t x = 0; x < ow; ++x) {
          // int64, then converted modulo 2^32: the int32 accumulator's wrap-around without overflow.
          std::int64_t acc = l.bias[static_cast<std::size_t>(oc)];
          for (std::int64_t ic = 0; ic < ic_n; ++ic)
            for (std::int64_t kh = 0; kh < k; ++kh)
              for (std::int64_t kw = 0; kw < k; ++kw) {
                const std::int64_t iy = y * l.stride - l.padding + kh, ix = x * l.stride - l.padding + kw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += std::int64_t{at(i, ic, iy, ix)} *
                       l.weight[static_cast<std::size_t>(((oc * ic_n + ic) * k + kh) * k + kw)];
              }
          const std::size_t o = out.data.size();
          const std::int32_t res = l.residual ? residual->data[o] : 0;
          out.data.push_back(kern::requantize(static_cast<std::int32_t>(acc), l.mult[static_cast<std::size_t>(oc)],
                                              l.relu, l.residual, res, l.res_scale));
        }
  return out;
}

QTensor quantize_tensor(const Tensor& t, float scale, bool is_signed) {
  const float inv_scale = 1.0f / scale;
  QTensor q{t.shape, {}, scale, is_signed};
  q.data.reserve(t.data.size());
  for (const float x : t.data) q.data.push_back(kern::quantize_value(x, inv_scale, is_signed));
  return q;
}

Tensor dequantize_tensor(const QTensor& q) {
  Tensor t(q.shape);
  for (std::size_t k = 0; k < q.data.size(); ++k) t.data[k] = static_cast<float>(q.data[k]) * q.scale;
  return t;
}

}  // namespace rnc
