#include "dsl/weights.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"

namespace rnc {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void check_finite(const std::string& name, const Tensor& t, Diagnostics& diags) {
  for (std::size_t i = 0; i < t.data.size(); ++i)
    if (!std::isfinite(t.data[i])) {
      diags.error("tensor \"" + name + "\"", fmt::format("value {} at flat index {} is not finite", t.data[i], i));
      return;
    }
}

// splitmix64: tiny, well mixed and identical on every platform.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Uniform {
 public:
  Uniform(std::uint64_t seed, const std::string& name) : state_(mix(seed)) {
    for (unsigned char c : name) state_ = mix(state_ ^ c);
  }
  // Uniform in [lo, hi), from 24 random bits so the float is exact.
  float operator()(float lo, float hi) {
    state_ = mix(state_);
    return lo + (hi - lo) * static_cast<float>(state_ >> 40) * (1.0f / 16777216.0f);
  }

 private:
  std::uint64_t state_;
};

// Range of each parameter kind: He-uniform weights keep activations O(1) through ReLUs; the
// BatchNorm ranges make folding visible (a fold that ignored mean or var would fail parity).
std::pair<float, float> random_range(const Node& node, const ParamRef& p) {
  const bool is_bn = std::holds_alternative<BatchNorm2d>(node.op);
  if (is_bn) {
    if (ends_with(p.name, ".weight")) return {0.5f, 1.5f};
    if (ends_with(p.name, ".running_var")) return {0.5f, 2.0f};
    return {-0.2f, 0.2f};  // bias, running_mean
  }
  if (ends_with(p.name, ".bias")) return {-0.1f, 0.1f};
  const std::int64_t fan_in = numel(p.shape) / p.shape[0];
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
  return {-bound, bound};
}

}  // namespace

void check_weights(const Graph& graph, const WeightMap& weights, const std::string& file) {
  Diagnostics diags;
  std::set<std::string> expected;
  for (const ParamRef& p : graph.all_params()) {
    expected.insert(p.name);
    const std::string where = "tensor \"" + p.name + "\"";
    auto it = weights.tensors.find(p.name);
    if (it == weights.tensors.end()) {
      const auto ignored = weights.ignored.find(p.name);
      diags.error(where, ignored == weights.ignored.end()
                             ? fmt::format("missing (layer {} expects shape {})",
                                           graph.nodes[static_cast<std::size_t>(p.node)].name, to_string(p.shape))
                             : fmt::format("has dtype {}; expected a float tensor of shape {}", ignored->second,
                                           to_string(p.shape)));
      continue;
    }
    if (it->second.shape != p.shape) {
      diags.error(where, fmt::format("has shape {}, layer {} expects {}", to_string(it->second.shape),
                                     graph.nodes[static_cast<std::size_t>(p.node)].name, to_string(p.shape)));
      continue;
    }
    check_finite(p.name, it->second, diags);
  }
  for (const auto& [name, t] : weights.tensors)
    if (!expected.contains(name))
      diags.error("tensor \"" + name + "\"",
                  fmt::format("unexpected: no layer of the spec uses it (shape {})", to_string(t.shape)));
  for (const auto& [name, dtype] : weights.ignored)
    if (!expected.contains(name) && !ends_with(name, ".num_batches_tracked"))
      diags.error("tensor \"" + name + "\"", fmt::format("unexpected {} tensor: no layer of the spec uses it", dtype));
  throw_if_errors(diags, file);
}

WeightMap random_weights(const Graph& graph, std::uint64_t seed) {
  WeightMap weights;
  for (const ParamRef& p : graph.all_params()) {
    Uniform uniform(seed, p.name);
    const auto [lo, hi] = random_range(graph.nodes[static_cast<std::size_t>(p.node)], p);
    Tensor t(p.shape);
    for (float& v : t.data) v = uniform(lo, hi);
    weights.tensors.emplace(p.name, std::move(t));
  }
  return weights;
}

}  // namespace rnc
