#include "dsl/attr_reader.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rnc {

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string describe(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return fmt::format("the boolean {}", value.dump());
    case nlohmann::json::value_t::string: return fmt::format("the string {}", value.dump());
    case nlohmann::json::value_t::array: return value.empty() ? "an empty array" : "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return fmt::format("{}", value.dump());
  }
}

AttrReader::AttrReader(const nlohmann::json& object, std::string pointer, Diagnostics& diags)
    : object_(object), pointer_(std::move(pointer)), diags_(diags) {
  if (!object_.is_object()) diags_.error(pointer_, fmt::format("expected an object, found {}", describe(object_)));
}

bool AttrReader::has(std::string_view key) const {
  return object_.is_object() && object_.contains(std::string(key));
}

std::string AttrReader::pointer_to(std::string_view key) const { return pointer_ + "/" + pointer_token(key); }

const nlohmann::json* AttrReader::find(std::string_view key) {
  asked_.insert(std::string(key));
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(std::string(key));
  if (it == object_.end()) return nullptr;
  used_.insert(std::string(key));
  return &*it;
}

const nlohmann::json* AttrReader::child(std::string_view key) { return find(key); }

void AttrReader::bad(std::string_view key, std::string what) {
  bad_.insert(std::string(key));
  diags_.error(pointer_to(key), std::move(what));
}

void AttrReader::missing(std::string_view key, std::string_view expected) {
  if (object_.is_object()) diags_.error(pointer_, fmt::format("missing required key \"{}\" ({})", key, expected));
}

std::int64_t AttrReader::integer(std::string_view key, std::optional<std::int64_t> fallback, std::int64_t min,
                                 std::int64_t max) {
  const std::string expected = max == kMaxDim ? fmt::format("an integer >= {}", min)
                                              : fmt::format("an integer in [{}, {}]", min, max);
  const nlohmann::json* v = find(key);
  if (!v) {
    if (!fallback) missing(key, expected);
    return fallback.value_or(min);
  }
  if (v->is_number_integer()) {
    // Unsigned values above int64 arrive as number_unsigned; compare through the unsigned form.
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      bad(key, fmt::format("expected an integer in [{}, {}], found {} (too large)", min, max, v->dump()));
      return fallback.value_or(min);
    }
    const std::int64_t x = v->get<std::int64_t>();
    if (x >= min && x <= max) return x;
    bad(key, fmt::format("expected {}, found {}", expected, x));
    return fallback.value_or(min);
  }
  if (v->is_number_float())
    bad(key, fmt::format("expected {}, found the non-integer {}", expected, v->dump()));
  else
    bad(key, fmt::format("expected {}, found {}", expected, describe(*v)));
  return fallback.value_or(min);
}

bool AttrReader::boolean(std::string_view key, bool fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  bad(key, fmt::format("expected true or false, found {}", describe(*v)));
  return fallback;
}

double AttrReader::number(std::string_view key, double fallback, double min_exclusive) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (v->is_number()) {
    const double x = v->get<double>();
    if (std::isfinite(x) && x > min_exclusive) return x;
    bad(key, fmt::format("expected a number > {}, found {}", min_exclusive, v->dump()));
    return fallback;
  }
  bad(key, fmt::format("expected a number, found {}", describe(*v)));
  return fallback;
}

std::string AttrReader::string(std::string_view key, std::optional<std::string> fallback) {
  const nlohmann::json* v = find(key);
  if (!v) {
    if (!fallback) missing(key, "a string");
    return fallback.value_or("");
  }
  if (v->is_string()) return v->get<std::string>();
  bad(key, fmt::format("expected a string, found {}", describe(*v)));
  return fallback.value_or("");
}

std::vector<std::string> AttrReader::string_list(std::string_view key) {
  std::vector<std::string> out;
  const nlohmann::json* v = find(key);
  if (!v) return out;
  if (v->is_string()) return {v->get<std::string>()};
  if (!v->is_array()) {
    bad(key, fmt::format("expected a string or an array of strings, found {}", describe(*v)));
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    if (item.is_string()) out.push_back(item.get<std::string>());
    else {
      bad_.insert(std::string(key));
      diags_.error(fmt::format("{}/{}", pointer_to(key), i), fmt::format("expected a string, found {}", describe(item)));
    }
  }
  return out;
}

std::vector<std::int64_t> AttrReader::integer_list(std::string_view key, std::int64_t min, std::int64_t max) {
  std::vector<std::int64_t> out;
  const nlohmann::json* v = find(key);
  if (!v) {
    missing(key, "an array of integers");
    return out;
  }
  if (!v->is_array()) {
    bad(key, fmt::format("expected an array of integers, found {}", describe(*v)));
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    const std::string where = fmt::format("{}/{}", pointer_to(key), i);
    if (item.is_number_integer() && !(item.is_number_unsigned() && item.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) &&
        item.get<std::int64_t>() >= min && item.get<std::int64_t>() <= max) {
      out.push_back(item.get<std::int64_t>());
    } else {
      bad_.insert(std::string(key));
      diags_.error(where, fmt::format("expected an integer in [{}, {}], found {}", min, max, describe(item)));
      out.push_back(min);
    }
  }
  return out;
}

void AttrReader::finish() {
  if (!object_.is_object()) return;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!used_.contains(it.key()))
      diags_.error(pointer_to(it.key()),
                   fmt::format("unknown key \"{}\" (known here: {})", it.key(), fmt::join(asked_, ", ")));
  }
}

}  // namespace rnc
