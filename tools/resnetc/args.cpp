#include "tools/resnetc/args.hpp"

#include <charconv>
#include <string_view>

#include <fmt/format.h>

namespace rnc::cli {

std::optional<std::string> Parsed::get(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
}

Parsed parse(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
  Parsed out;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs)
      if (s.name == name || (!s.short_name.empty() && s.short_name == name)) spec = &s;
    if (!spec) throw UsageError(fmt::format("unknown option '{}'", name));
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError(fmt::format("option '{}' takes no value", spec->name));
    } else if (!inline_value) {
      if (i + 1 >= args.size())
        throw UsageError(fmt::format("option '{}' needs a value ({})", spec->name, spec->value_name));
      value = args[++i];
    }
    if (out.values.contains(spec->name)) throw UsageError(fmt::format("option '{}' given twice", spec->name));
    out.values[spec->name] = value;
  }
  return out;
}

std::string format_options(const std::vector<OptionSpec>& specs) {
  std::string text;
  for (const OptionSpec& s : specs) {
    std::string left = s.short_name.empty() ? "    " + s.name : "  " + s.short_name + ", " + s.name;
    if (!s.value_name.empty()) left += " " + s.value_name;
    text += fmt::format("  {:<34}{}\n", left, s.help);
  }
  return text;
}

long long parse_integer(const std::string& option, const std::string& text, long long min, long long max) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
    throw UsageError(fmt::format("option '{}' expects an integer in [{}, {}], got '{}'", option, min, max, text));
  return value;
}

std::uint64_t parse_size(const std::string& option, const std::string& text) {
  static constexpr std::string_view kSuffixes = "KMGT";
  const std::size_t suffix = text.empty() ? std::string_view::npos : kSuffixes.find(text.back());
  const int shift = suffix == std::string_view::npos ? 0 : 10 * static_cast<int>(suffix + 1);
  const std::string digits = shift ? text.substr(0, text.size() - 1) : text;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0 ||
      value > (UINT64_MAX >> shift))
    throw UsageError(
        fmt::format("option '{}' expects a positive size in bytes with an optional K, M, G or T suffix "
                    "(e.g. 512M), got '{}'",
                    option, text));
  return value << shift;
}

std::vector<long long> parse_integer_list(const std::string& option, const std::string& text, std::size_t count,
                                          long long min, long long max) {
  std::vector<long long> values;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    values.push_back(parse_integer(option, text.substr(start, comma - start), min, max));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (values.size() != count)
    throw UsageError(fmt::format("option '{}' expects {} comma-separated integers, got '{}'", option, count, text));
  return values;
}

}  // namespace rnc::cli
