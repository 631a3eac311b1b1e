#include "dsl/attr_reader.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rnc {
namespace {

// An integer JSON number in [min, max]; unsigned values above int64 arrive as number_unsigned,
// compared through the unsigned form.
bool integer_in(const nlohmann::json& v, std::int64_t min, std::int64_t max) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) return false;
  return v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max;
}

}  // namespace

AttrReader::AttrReader(const SpecValue& object, Diagnostics& diags) : object_(object), diags_(diags) {
  if (!object_.is_object()) diags_.error(object_.where, fmt::format("expected an object, found {}", describe(object_)));
}

Location AttrReader::where_of(std::string_view key) const {
  const SpecValue* v = object_.find(key);
  return v ? v->where : object_.where.child(key);
}

const SpecValue* AttrReader::find(std::string_view key) {
  asked_.insert(std::string(key));
  const SpecValue* v = object_.find(key);
  if (v) used_.insert(std::string(key));
  return v;
}

const SpecValue* AttrReader::child(std::string_view key) { return find(key); }

const SpecValue* AttrReader::required(std::string_view key, std::string_view expected) {
  const SpecValue* v = find(key);
  if (!v) missing(key, expected);
  return v;
}

void AttrReader::bad(std::string_view key, std::string what) {
  bad_.insert(std::string(key));
  diags_.error(where_of(key), std::move(what));
}

void AttrReader::bad_item(std::string_view key, const SpecValue& item, std::string what) {
  bad_.insert(std::string(key));
  diags_.error(item.where, std::move(what));
}

// An object written with a syntax error misses keys because of it.
void AttrReader::missing(std::string_view key, std::string_view expected) {
  if (object_.is_object() && !object_.broken)
    diags_.error(object_.where, fmt::format("missing required key \"{}\" ({})", key, expected));
}

std::int64_t AttrReader::integer(std::string_view key, std::optional<std::int64_t> fallback, std::int64_t min,
                                 std::int64_t max) {
  const std::string expected =
      max == kMaxDim ? fmt::format("an integer >= {}", min) : fmt::format("an integer in [{}, {}]", min, max);
  const SpecValue* v = find(key);
  if (!v) {
    if (!fallback) missing(key, expected);
    return fallback.value_or(min);
  }
  const nlohmann::json& x = v->scalar;
  if (integer_in(x, min, max)) return x.get<std::int64_t>();
  if (x.is_number_unsigned() && x.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    bad(key, fmt::format("expected an integer in [{}, {}], found {} (too large)", min, max, x.dump()));
  else if (x.is_number_integer()) bad(key, fmt::format("expected {}, found {}", expected, x.get<std::int64_t>()));
  else if (x.is_number_float()) bad(key, fmt::format("expected {}, found the non-integer {}", expected, x.dump()));
  else bad(key, fmt::format("expected {}, found {}", expected, describe(*v)));
  return fallback.value_or(min);
}

bool AttrReader::boolean(std::string_view key, bool fallback) {
  const SpecValue* v = find(key);
  if (!v) return fallback;
  if (v->scalar.is_boolean()) return v->scalar.get<bool>();
  bad(key, fmt::format("expected true or false, found {}", describe(*v)));
  return fallback;
}

double AttrReader::number(std::string_view key, double fallback, double min_exclusive) {
  const SpecValue* v = find(key);
  if (!v) return fallback;
  if (v->scalar.is_number()) {
    const double x = v->scalar.get<double>();
    if (std::isfinite(x) && x > min_exclusive) return x;
    bad(key, fmt::format("expected a number > {}, found {}", min_exclusive, v->scalar.dump()));
    return fallback;
  }
  bad(key, fmt::format("expected a number, found {}", describe(*v)));
  return fallback;
}

std::string AttrReader::string(std::string_view key, std::optional<std::string> fallback) {
  const SpecValue* v = find(key);
  if (!v) {
    if (!fallback) missing(key, "a string");
    return fallback.value_or("");
  }
  if (v->is_string()) return v->string();
  bad(key, fmt::format("expected a string, found {}", describe(*v)));
  return fallback.value_or("");
}

std::vector<LocatedString> AttrReader::string_list(std::string_view key) {
  std::vector<LocatedString> out;
  const SpecValue* v = find(key);
  if (!v) return out;
  // One name stands for a list of one; its place is the list's first item.
  if (v->is_string()) return {{v->string(), v->where.child(std::size_t{0})}};
  if (!v->is_array()) {
    bad(key, fmt::format("expected a string or an array of strings, found {}", describe(*v)));
    return out;
  }
  for (const SpecValue& item : v->items) {
    if (item.is_string()) out.push_back({item.string(), item.where});
    else bad_item(key, item, fmt::format("expected a string, found {}", describe(item)));
  }
  return out;
}

std::vector<std::int64_t> AttrReader::integer_list(std::string_view key, std::int64_t min, std::int64_t max) {
  std::vector<std::int64_t> out;
  const SpecValue* v = find(key);
  if (!v) {
    missing(key, "an array of integers");
    return out;
  }
  if (!v->is_array()) {
    bad(key, fmt::format("expected an array of integers, found {}", describe(*v)));
    return out;
  }
  for (const SpecValue& item : v->items) {
    if (integer_in(item.scalar, min, max)) {
      out.push_back(item.scalar.get<std::int64_t>());
    } else {
      bad_item(key, item, fmt::format("expected an integer in [{}, {}], found {}", min, max, describe(item)));
      out.push_back(min);
    }
  }
  return out;
}

void AttrReader::finish() {
  for (const SpecMember& m : object_.members)
    if (!used_.contains(m.key))
      diags_.error(m.value.where, fmt::format("unknown key \"{}\" (known here: {})", m.key, fmt::join(asked_, ", ")));
}

}  // namespace rnc
