#include "codegen/arena_plan.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace rnc {
namespace {

bool lifetimes_overlap(const Buffer& a, const Buffer& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

std::int64_t align(std::int64_t floats) { return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

}  // namespace

ArenaPlan plan_arena(const std::vector<Buffer>& buffers) {
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), -1);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < buffers.size(); ++i)
    if (buffers[i].storage == Storage::kArena) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return buffers[a].floats() > buffers[b].floats(); });

  std::vector<std::size_t> placed;
  for (std::size_t i : order) {
    // Occupied intervals of already placed buffers whose lifetime meets this one, by offset.
    std::vector<std::pair<std::int64_t, std::int64_t>> busy;
    for (std::size_t j : placed)
      if (lifetimes_overlap(buffers[i], buffers[j]))
        busy.push_back({plan.offsets[j], plan.offsets[j] + align(buffers[j].floats())});
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds the buffer, else the end.
    const std::int64_t need = align(buffers[i].floats());
    std::int64_t cursor = 0, best = -1, best_gap = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - cursor >= need && (best < 0 || begin - cursor < best_gap)) {
        best = cursor;
        best_gap = begin - cursor;
      }
      cursor = std::max(cursor, end);
    }
    plan.offsets[i] = best >= 0 ? best : cursor;
    plan.total_floats = std::max(plan.total_floats, plan.offsets[i] + need);
    placed.push_back(i);
  }

  int steps = 0;
  for (const Buffer& b : buffers) steps = std::max(steps, b.last_step + 1);
  for (int s = 0; s < steps; ++s) {
    std::int64_t live = 0;
    for (const Buffer& b : buffers)
      if (b.storage == Storage::kArena && b.first_step <= s && s <= b.last_step) live += align(b.floats());
    plan.lower_bound_floats = std::max(plan.lower_bound_floats, live);
  }
  return plan;
}

std::string ArenaPlan::validate(const std::vector<Buffer>& buffers) const {
  if (offsets.size() != buffers.size()) return "offsets and buffers differ in count";
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].storage != Storage::kArena) continue;
    if (offsets[i] < 0 || offsets[i] % kAlignFloats != 0)
      return fmt::format("buffer {} has offset {}: not 64-byte aligned", buffers[i].name, offsets[i]);
    if (offsets[i] + buffers[i].floats() > total_floats)
      return fmt::format("buffer {} ends past the arena ({} > {})", buffers[i].name, offsets[i] + buffers[i].floats(),
                         total_floats);
    for (std::size_t j = i + 1; j < buffers.size(); ++j) {
      if (buffers[j].storage != Storage::kArena || !lifetimes_overlap(buffers[i], buffers[j])) continue;
      const bool disjoint =
          offsets[i] + buffers[i].floats() <= offsets[j] || offsets[j] + buffers[j].floats() <= offsets[i];
      if (!disjoint)
        return fmt::format("buffers {} and {} are alive together and overlap", buffers[i].name, buffers[j].name);
    }
  }
  if (total_floats < lower_bound_floats) return "arena smaller than the liveness lower bound";
  return {};
}

}  // namespace rnc
