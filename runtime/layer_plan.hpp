// Runs a generated model's execution plan: its layer table, in order, each layer split over the
// thread pool. Shared by every model so the generated code holds only its own table.
#pragma once

#include <span>
#include <vector>

#include "kernels/common.hpp"
#include "model.hpp"
#include "thread_pool.hpp"

namespace rnc::rt {

// One step of the plan, as emitted by resnetc: what --profile shows, and the function to call.
struct Layer {
  const char* name;
  const char* algorithm;
  double flops;
  kern::LayerFn fn;
};

// No allocation and no lock: the job lives on the stack, the pool publishes it atomically.
void run_layers(ThreadPool& pool, std::span<const Layer> layers, const kern::Context& ctx);
// Like run_layers, adding each layer's time to `rows` (created on first use, in layer order).
void run_layers_profiled(ThreadPool& pool, std::span<const Layer> layers, const kern::Context& ctx,
                         std::vector<LayerProfile>& rows);

}  // namespace rnc::rt
