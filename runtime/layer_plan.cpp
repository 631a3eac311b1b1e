#include "layer_plan.hpp"

#include "stats.hpp"

namespace rnc::rt {
namespace {

struct Job {
  kern::LayerFn fn;
  const kern::Context* ctx;
};

void run_part(void* job, int part, int parts) {
  const Job& j = *static_cast<const Job*>(job);
  j.fn(*j.ctx, part, parts);
}

}  // namespace

void run_layers(ThreadPool& pool, std::span<const Layer> layers, const kern::Context& ctx) {
  for (const Layer& layer : layers) {
    Job job{layer.fn, &ctx};
    pool.run(run_part, &job);
  }
}

void run_layers_profiled(ThreadPool& pool, std::span<const Layer> layers, const kern::Context& ctx,
                         std::vector<LayerProfile>& rows) {
  if (rows.empty())
    for (const Layer& layer : layers) rows.push_back({layer.name, layer.algorithm, layer.flops, 0.0});
  for (std::size_t i = 0; i < layers.size(); ++i) {
    Job job{layers[i].fn, &ctx};
    const double start = now_seconds();
    pool.run(run_part, &job);
    rows[i].seconds += now_seconds() - start;
  }
}

}  // namespace rnc::rt
