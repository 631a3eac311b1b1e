// Fully connected layer on flat [N, IN] activations; weights [OUT][IN] as in PyTorch.
#pragma once

#include "common.hpp"

namespace rnc::kern {

struct LinearCfg {
  int n, in, out;
};

template <LinearCfg C>
void linear(const Args& a, int part, int parts) {
  const Range rows = split(C.n * C.out, part, parts);
  for (int r = rows.begin; r < rows.end; ++r) {
    const int o = r % C.out, i = r / C.out;
    const float* x = a.in0 + static_cast<std::int64_t>(i) * C.in;
    const float* w = a.w0 + static_cast<std::int64_t>(o) * C.in;
    // Eight partial sums: vectorizes without reassociating a single long chain.
    float partial[8] = {};
    int k = 0;
    for (; k + 8 <= C.in; k += 8)
      for (int l = 0; l < 8; ++l) partial[l] += x[k + l] * w[k + l];
    float sum = a.w1[o];
    for (; k < C.in; ++k) sum += x[k] * w[k];
    for (int l = 0; l < 8; ++l) sum += partial[l];
    a.out[r] = sum;
  }
}

}  // namespace rnc::kern
