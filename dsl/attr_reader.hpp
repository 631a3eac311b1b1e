// Typed, checked access to one JSON object of a spec (a layer, a stage, the input).
//
// Every getter validates type and range and records a diagnostic at the attribute's JSON pointer
// instead of throwing, so one pass over a spec reports every problem. finish() reports the keys
// nobody asked for, which catches typos such as "strides" for "stride".
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsl/diagnostics.hpp"

namespace rnc {

// Sizes above this are refused: a kernel, channel count or image side of 2^24 is a typo.
inline constexpr std::int64_t kMaxDim = std::int64_t{1} << 24;

class AttrReader {
 public:
  AttrReader(const nlohmann::json& object, std::string pointer, Diagnostics& diags);

  bool is_object() const { return object_.is_object(); }
  bool has(std::string_view key) const;
  // Present and read without a type or range error: checks that build on a value use this so
  // one mistake gives one message.
  bool valid(std::string_view key) const { return has(key) && !bad_.contains(std::string(key)); }
  // Keys this object may hold that the reader consults only in some forms (listed as known).
  void allow(std::initializer_list<std::string_view> keys) {
    for (std::string_view k : keys) asked_.insert(std::string(k));
  }
  const std::string& pointer() const { return pointer_; }
  std::string pointer_to(std::string_view key) const;
  Diagnostics& diags() { return diags_; }

  // An integer in [min, max]; a missing key gives `fallback` or, without one, an error.
  std::int64_t integer(std::string_view key, std::optional<std::int64_t> fallback, std::int64_t min,
                       std::int64_t max = kMaxDim);
  bool boolean(std::string_view key, bool fallback);
  double number(std::string_view key, double fallback, double min_exclusive);
  std::string string(std::string_view key, std::optional<std::string> fallback);
  std::vector<std::string> string_list(std::string_view key);  // missing key: empty list
  std::vector<std::int64_t> integer_list(std::string_view key, std::int64_t min, std::int64_t max = kMaxDim);
  // The raw child (marked as used); nullptr when missing.
  const nlohmann::json* child(std::string_view key);
  void mark_used(std::string_view key) { asked_.insert(std::string(key)); used_.insert(std::string(key)); }

  // Reports every key that was not read.
  void finish();

 private:
  const nlohmann::json* find(std::string_view key);
  void missing(std::string_view key, std::string_view expected);
  void bad(std::string_view key, std::string what);

  const nlohmann::json& object_;
  std::string pointer_;
  Diagnostics& diags_;
  std::set<std::string> asked_;  // every key a getter looked for: the known keys
  std::set<std::string> used_;   // keys present and read
  std::set<std::string> bad_;    // keys present with a wrong type or out of range
};

// JSON-pointer escaping of one reference token ("~" -> "~0", "/" -> "~1").
std::string pointer_token(std::string_view key);
// Short human description of a JSON value's type ("a string", "an array", ...), for messages.
std::string describe(const nlohmann::json& value);

}  // namespace rnc
