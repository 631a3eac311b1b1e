// A spec document as the spec reader sees it, whichever syntax it was written in: JSON's values,
// each with the Location it was written at. The JSON front end converts a parsed document
// (locations: JSON pointers), the .rn parser builds one directly (locations: line:column), and
// one reader (dsl/spec_reader.cpp) turns either into a Graph, so each syntax reports its own
// positions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsl/location.hpp"

namespace rnc {

struct SpecMember;

// Move-only: a copy of a deeply nested value would recurse once per level.
struct SpecValue {
  enum class Kind { scalar, array, object };

  SpecValue() = default;
  SpecValue(SpecValue&&) noexcept = default;
  SpecValue& operator=(SpecValue&&) noexcept = default;
  ~SpecValue();

  static SpecValue scalar_at(nlohmann::json value, Location where);  // null, boolean, number or string
  static SpecValue array_at(Location where);
  static SpecValue object_at(Location where);

  bool is_object() const { return kind == Kind::object; }
  bool is_array() const { return kind == Kind::array; }
  bool is_string() const { return kind == Kind::scalar && scalar.is_string(); }
  const std::string& string() const { return scalar.get_ref<const std::string&>(); }
  // An object's member, or nullptr (also for an array or a scalar).
  const SpecValue* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Appends a member to an object; the key must be new.
  SpecValue& add(std::string key, SpecValue value);

  Kind kind = Kind::scalar;
  nlohmann::json scalar;            // a scalar's value; null for an array or object
  std::vector<SpecValue> items;     // an array's items
  std::vector<SpecMember> members;  // an object's keys and values, in the order they were read
  Location where;
  // Written with a syntax error, which is reported: the value holds what could be read (a
  // layer's name, say), and nothing that follows from the error is reported again.
  bool broken = false;
};

struct SpecMember {
  std::string key;
  SpecValue value;
};

// The document a .rn file stands for, keys in the order written (resnetc fmt).
nlohmann::ordered_json to_json(const SpecValue& value);

// Short description of a value's type ("the string \"x\"", "an empty array", ...), for messages.
std::string describe(const SpecValue& value);

}  // namespace rnc
