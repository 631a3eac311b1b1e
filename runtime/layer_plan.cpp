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

const float* source_start(DumpSource source, const kern::Context& ctx) {
  switch (source) {
    case DumpSource::kInput:
      return ctx.input;
    case DumpSource::kOutput:
      return ctx.output;
    case DumpSource::kArena:
      return ctx.arena;
  }
  return nullptr;
}

// Offset in floats of element (i, c, y, x) in the dump point's layout.
std::int64_t stored_at(const DumpPoint& point, int i, int c, int y, int x) {
  const kern::Blocked& g = point.geometry;
  switch (point.layout) {
    case DumpLayout::kBlocked:
      return g.at(i, c / g.lanes, y, x) + c % g.lanes;
    case DumpLayout::kPaddedNchw:
      return ((static_cast<std::int64_t>(i) * g.c + c) * g.hp() + y + g.pad) * g.wp() + x + g.pad;
    case DumpLayout::kNchw:
    case DumpLayout::kFlat:
      break;
  }
  return ((static_cast<std::int64_t>(i) * g.c + c) * g.h + y) * g.w + x;
}

}  // namespace

Tensor read_back(const DumpPoint& point, const kern::Context& ctx) {
  const kern::Blocked& g = point.geometry;
  const float* stored = source_start(point.source, ctx) + point.offset;
  // int8 buffers hold one byte per element where float ones hold one float.
  const auto* bytes = reinterpret_cast<const unsigned char*>(stored);
  const float scale = point.type == ElementType::kF32 ? 1.0f : ctx.weights[point.scale_at];
  const auto element = [&](std::int64_t at) -> float {
    switch (point.type) {
      case ElementType::kU8:
        return static_cast<float>(bytes[at]) * scale;
      case ElementType::kS8:
        return static_cast<float>(static_cast<signed char>(bytes[at])) * scale;
      case ElementType::kF32:
        break;
    }
    return stored[at];
  };
  Tensor tensor;
  tensor.shape = point.layout == DumpLayout::kFlat ? std::vector<std::int64_t>{g.n, g.c}
                                                   : std::vector<std::int64_t>{g.n, g.c, g.h, g.w};
  tensor.data.reserve(element_count(tensor.shape, point.name));
  for (int i = 0; i < g.n; ++i)
    for (int c = 0; c < g.c; ++c)
      for (int y = 0; y < g.h; ++y)  // a flat value has h = w = 1
        for (int x = 0; x < g.w; ++x) tensor.data.push_back(element(stored_at(point, i, c, y, x)));
  return tensor;
}

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

void run_layers_dumped(ThreadPool& pool, std::span<const Layer> layers, std::span<const DumpPoint> dumps,
                       const kern::Context& ctx, const DumpSink& sink) {
  std::size_t next = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    Job job{layers[i].fn, &ctx};
    pool.run(run_part, &job);
    for (; next < dumps.size() && dumps[next].after_layer == static_cast<int>(i); ++next)
      sink(next, dumps[next].name, read_back(dumps[next], ctx));
  }
}

}  // namespace rnc::rt
