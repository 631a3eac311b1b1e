#include "dsl/default_prefixes.hpp"

#include <string>

#include <fmt/format.h>

namespace rnc {

void DefaultPrefixes::enter(const SpecValue& stage) {
  first_ = next_;
  source_ = next_source_;
  const SpecValue* name = stage.find("name");
  flat_ = name && name->is_string() && name->string() == "head" && !stage.contains("op");
  const std::optional<std::size_t> count = flat_ ? layer_count(stage) : 1;
  next_ = first_ + count.value_or(1);
  // An error hides how many children the head stands for: later defaults may be shifted, and a
  // clash of one of them would follow from that error.
  if (!count) next_source_ = PrefixSource::kUnchecked;
}

Prefix DefaultPrefixes::stage() const { return {std::to_string(first_), source_, {}}; }

Prefix DefaultPrefixes::layer(std::size_t j) const {
  return {flat_ ? std::to_string(first_ + j) : fmt::format("{}.{}", first_, j), source_, {}};
}

std::optional<std::size_t> DefaultPrefixes::layer_count(const SpecValue& stage) {
  const SpecValue* layers = stage.find("layers");
  if (!layers || !layers->is_array() || layers->items.empty()) return std::nullopt;
  for (const SpecValue& layer : layers->items) {
    const SpecValue* op = layer.find("op");
    if (layer.broken || !op || !op->is_string()) return std::nullopt;
  }
  return layers->items.size();
}

}  // namespace rnc
