#include "dsl/spec_rn_syntax.hpp"

#include <algorithm>
#include <array>

#include "dsl/identifier.hpp"

namespace rnc::rn {
namespace {

struct OpSyntax {
  std::string_view op;     // the spec's op name
  std::string_view alias;  // the short .rn name, or empty
  std::vector<std::string_view> positional;
};

struct KeyAlias {
  std::string_view key;
  std::string_view alias;
};

// THE table. A bare word argument sets its key to true, so first_block's alias makes
// `resnet_block(64, 2, first)` read like the notebook's `first_block=True`.
const std::vector<OpSyntax>& op_table() {
  static const std::vector<OpSyntax> table = {
      {"conv2d", "conv", {"out_channels"}},
      {"batchnorm2d", "bn", {}},
      {"maxpool2d", "maxpool", {"kernel"}},
      {"avgpool2d", "avgpool", {"kernel"}},
      {"linear", "", {"out_features"}},
      {"residual", "", {"out_channels"}},
      {"resnet_block", "", {"out_channels", "num_residuals"}},
      {"basic_block", "", {"planes"}},
      {"bottleneck", "", {"planes"}},
      {"resnet_layer", "", {"planes", "blocks"}},
  };
  return table;
}

constexpr std::array<KeyAlias, 4> kKeyAliases = {{
    {"kernel", "k"},
    {"stride", "s"},
    {"padding", "p"},
    {"first_block", "first"},
}};

// Keyword arguments in the order the notebook writes them; other keys follow by name.
constexpr std::array<std::string_view, 3> kKeyOrder = {"kernel", "stride", "padding"};

const OpSyntax* find_op(std::string_view op) {
  const auto& table = op_table();
  auto it = std::find_if(table.begin(), table.end(), [&](const OpSyntax& s) { return s.op == op; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace

bool is_word_start(char c) { return is_identifier_start(c); }
bool is_word_char(char c) { return is_identifier_char(c) || c == '.'; }
bool is_prefix_char(char c) { return is_word_char(c) || c == '-'; }

// Loops, not std::regex, which recurses per character of a long name.
bool is_word(std::string_view s) {
  return !s.empty() && is_word_start(s[0]) && std::all_of(s.begin(), s.end(), is_word_char);
}
bool is_prefix(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_prefix_char); }

std::string op_from_alias(std::string_view word) {
  for (const OpSyntax& s : op_table())
    if (!s.alias.empty() && s.alias == word) return std::string(s.op);
  return std::string(word);
}

std::string alias_of_op(std::string_view op) {
  const OpSyntax* s = find_op(op);
  return std::string(s && !s->alias.empty() ? s->alias : op);
}

std::string key_from_alias(std::string_view word) {
  for (const KeyAlias& a : kKeyAliases)
    if (a.alias == word) return std::string(a.key);
  return std::string(word);
}

std::string alias_of_key(std::string_view key) {
  for (const KeyAlias& a : kKeyAliases)
    if (a.key == key) return std::string(a.alias);
  return std::string(key);
}

bool is_op_alias(std::string_view word) {
  const auto& table = op_table();
  return std::any_of(table.begin(), table.end(),
                     [&](const OpSyntax& s) { return !s.alias.empty() && s.alias == word; });
}

bool is_key_alias(std::string_view word) {
  return std::any_of(kKeyAliases.begin(), kKeyAliases.end(), [&](const KeyAlias& a) { return a.alias == word; });
}

const std::vector<std::string_view>& positional_keys(std::string_view op) {
  static const std::vector<std::string_view> none;
  const OpSyntax* s = find_op(op);
  return s ? s->positional : none;
}

int key_rank(std::string_view key) {
  auto it = std::find(kKeyOrder.begin(), kKeyOrder.end(), key);
  return static_cast<int>(it - kKeyOrder.begin());
}

}  // namespace rnc::rn
