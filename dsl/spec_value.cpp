#include "dsl/spec_value.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dsl/invariant.hpp"

namespace rnc {
namespace {

// Moves the children of `v` to `out`.
void take_children(SpecValue& v, std::vector<SpecValue>& out) {
  for (SpecValue& item : v.items) out.push_back(std::move(item));
  for (SpecMember& m : v.members) out.push_back(std::move(m.value));
  v.items.clear();
  v.members.clear();
}

}  // namespace

// Iterative: JSON such as [[[[...]]]] nests as deep as its size allows, and each value destroyed
// here has no children left when its own destructor runs.
SpecValue::~SpecValue() {
  if (items.empty() && members.empty()) return;
  std::vector<SpecValue> pending;
  take_children(*this, pending);
  while (!pending.empty()) {
    SpecValue v = std::move(pending.back());
    pending.pop_back();
    take_children(v, pending);
  }
}

SpecValue SpecValue::scalar_at(nlohmann::json value, Location where) {
  SpecValue v;
  v.scalar = std::move(value);
  v.where = std::move(where);
  return v;
}

SpecValue SpecValue::array_at(Location where) {
  SpecValue v;
  v.kind = Kind::array;
  v.where = std::move(where);
  return v;
}

SpecValue SpecValue::object_at(Location where) {
  SpecValue v;
  v.kind = Kind::object;
  v.where = std::move(where);
  return v;
}

const SpecValue* SpecValue::find(std::string_view key) const {
  const auto it = std::find_if(members.begin(), members.end(), [&](const SpecMember& m) { return m.key == key; });
  return it == members.end() ? nullptr : &it->value;
}

SpecValue& SpecValue::add(std::string key, SpecValue value) {
  check_invariant(is_object() && !contains(key), "a spec object gets the key \"" + key + "\" twice");
  members.push_back({std::move(key), std::move(value)});
  return members.back().value;
}

nlohmann::ordered_json to_json(const SpecValue& value) {
  switch (value.kind) {
    case SpecValue::Kind::array: {
      auto out = nlohmann::ordered_json::array();
      for (const SpecValue& item : value.items) out.push_back(to_json(item));
      return out;
    }
    case SpecValue::Kind::object: {
      auto out = nlohmann::ordered_json::object();
      for (const SpecMember& m : value.members) out[m.key] = to_json(m.value);
      return out;
    }
    default:
      return value.scalar;
  }
}

std::string describe(const SpecValue& value) {
  if (value.is_array()) return value.items.empty() ? "an empty array" : "an array";
  if (value.is_object()) return "an object";
  switch (value.scalar.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return fmt::format("the boolean {}", value.scalar.dump());
    case nlohmann::json::value_t::string:
      return fmt::format("the string {}", value.scalar.dump());
    default:
      return value.scalar.dump();
  }
}

}  // namespace rnc
