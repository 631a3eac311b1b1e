// Runs a generated model's execution plan: its layer table, in order, each layer split over the
// thread pool. Shared by every model so the generated code holds only its own table.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/common.hpp"
#include "model.hpp"
#include "npy.hpp"
#include "thread_pool.hpp"

namespace rnc::rt {

// One step of the plan, as emitted by resnetc: what --profile shows, and the function to call.
struct Layer {
  const char* name;
  const char* algorithm;
  double flops;
  kern::LayerFn fn;
};

// A tensor of a layer-by-layer dump, as emitted by resnetc: where the value lives right after the
// layer that computes it, and how it is laid out there. Codegen plans every buffer with these two
// enums (its Storage and Layout), so their order is shared by construction.
enum class DumpSource { kInput, kOutput, kArena };
enum class DumpLayout { kNchw, kPaddedNchw, kBlocked, kFlat };
// What one element is: a float, or an int8 value read back as q * scale (docs/quantization.md).
enum class ElementType { kF32, kU8, kS8 };
struct DumpPoint {
  const char* name;  // the value's name, as the reference interpreter knows it
  int after_layer;   // index in the layer table; the table is sorted by it
  DumpSource source;
  std::int64_t offset;  // in floats from the source's start
  DumpLayout layout;
  kern::Blocked geometry;  // n, c, h, w and halo; a flat [N, F] value has c = F, h = w = 1
  ElementType type = ElementType::kF32;
  std::int64_t scale_at = -1;  // int8: offset in floats of the value's scale in the weights payload
};

// No allocation and no lock: the job lives on the stack, the pool publishes it atomically.
void run_layers(ThreadPool& pool, std::span<const Layer> layers, const kern::Context& ctx);
// Like run_layers, adding each layer's time to `rows` (created on first use, in layer order).
void run_layers_profiled(ThreadPool& pool, std::span<const Layer> layers, const kern::Context& ctx,
                         std::vector<LayerProfile>& rows);
// Like run_layers, handing each dump point to `sink` as NCHW (or [N, F]) after its layer. The
// copies are made between layers, on the calling thread; this path allocates.
void run_layers_dumped(ThreadPool& pool, std::span<const Layer> layers, std::span<const DumpPoint> dumps,
                       const kern::Context& ctx, const DumpSink& sink);
// The dump point's value read back from its layout into a plain NCHW (or [N, F]) tensor.
Tensor read_back(const DumpPoint& point, const kern::Context& ctx);

}  // namespace rnc::rt
