// A small command-line parser following GNU conventions: --flag value, --flag=value, -o value,
// "--" ends options, and one usage message with every option listed for --help.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnc::cli {

// A mistake on the command line: reported with "Try 'resnetc CMD --help'" and exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;        // "--weights"
  std::string short_name;  // "-o" or empty
  std::string value_name;  // "FILE"; empty for a flag without value
  std::string help;
};

struct Parsed {
  std::map<std::string, std::string> values;  // option name -> value ("" for flags)
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return values.contains(name); }
  std::optional<std::string> get(const std::string& name) const;
};

Parsed parse(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);
std::string format_options(const std::vector<OptionSpec>& specs);

// Value parsers that throw UsageError naming the option.
long long parse_integer(const std::string& option, const std::string& text, long long min, long long max);
// A byte count with an optional binary suffix: 1048576, 512K, 512M, 4G, 1T.
std::uint64_t parse_size(const std::string& option, const std::string& text);
std::vector<long long> parse_integer_list(const std::string& option, const std::string& text, std::size_t count,
                                          long long min, long long max);

}  // namespace rnc::cli
