// Typed, checked access to one object of a spec (a layer, a stage, the input), in either syntax.
//
// Every getter validates type and range and records a diagnostic where the attribute is written
// instead of throwing, so one pass over a spec reports every problem. finish() reports the keys
// nobody asked for, which catches typos such as "strides" for "stride".
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "dsl/spec_value.hpp"

namespace rnc {

// Sizes above this are refused: a kernel, channel count or image side of 2^24 is a typo.
inline constexpr std::int64_t kMaxDim = std::int64_t{1} << 24;

// A string of a spec and where it is written.
struct LocatedString {
  std::string text;
  Location where;
};

class AttrReader {
 public:
  AttrReader(const SpecValue& object, Diagnostics& diags);

  bool is_object() const { return object_.is_object(); }
  bool has(std::string_view key) const { return object_.contains(key); }
  // Present and read without a type or range error: checks that build on a value use this so
  // one mistake gives one message.
  bool valid(std::string_view key) const { return has(key) && !bad_.contains(std::string(key)); }
  // Keys this object may hold that the reader consults only in some forms (listed as known).
  void allow(std::initializer_list<std::string_view> keys) {
    for (std::string_view k : keys) asked_.insert(std::string(k));
  }
  const Location& where() const { return object_.where; }
  // Where the key's value is written (where it would be, for a missing key).
  Location where_of(std::string_view key) const;
  Diagnostics& diags() { return diags_; }

  // An integer in [min, max]; a missing key gives `fallback` or, without one, an error.
  std::int64_t integer(std::string_view key, std::optional<std::int64_t> fallback, std::int64_t min,
                       std::int64_t max = kMaxDim);
  bool boolean(std::string_view key, bool fallback);
  double number(std::string_view key, double fallback, double min_exclusive);
  std::string string(std::string_view key, std::optional<std::string> fallback);
  // A string or an array of strings, each with where it is; missing key: empty list.
  std::vector<LocatedString> string_list(std::string_view key);
  std::vector<std::int64_t> integer_list(std::string_view key, std::int64_t min, std::int64_t max = kMaxDim);
  // The raw child (marked as used); nullptr when missing.
  const SpecValue* child(std::string_view key);
  // The same, with "missing required key" when missing; `expected` says what it should be.
  const SpecValue* required(std::string_view key, std::string_view expected);

  // Reports every key that was not read.
  void finish();

 private:
  const SpecValue* find(std::string_view key);
  void missing(std::string_view key, std::string_view expected);
  void bad(std::string_view key, std::string what);
  void bad_item(std::string_view key, const SpecValue& item, std::string what);

  const SpecValue& object_;
  Diagnostics& diags_;
  std::set<std::string> asked_;  // every key a getter looked for: the known keys
  std::set<std::string> used_;   // keys present and read
  std::set<std::string> bad_;    // keys present with a wrong type or out of range
};

}  // namespace rnc
