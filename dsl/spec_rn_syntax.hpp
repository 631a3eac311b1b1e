// The one table of .rn shorthands, shared by the .rn parser and the .rn writer: short op names,
// short attribute names, and the attributes an op takes as positional arguments. An op or
// attribute without an entry is written with its full name and key=value arguments, so new ops
// and attributes need no parser change.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rnc::rn {

// The lexical classes shared by the .rn lexer and writer: a word is an identifier
// (dsl/identifier.hpp) that may also hold '.'.
bool is_word_start(char c);          // [A-Za-z_]
bool is_word_char(char c);           // [A-Za-z0-9_.]
bool is_prefix_char(char c);         // [A-Za-z0-9_.-], after '@'
bool is_word(std::string_view s);    // [A-Za-z_][A-Za-z0-9_.]*
bool is_prefix(std::string_view s);  // [A-Za-z0-9_.-]+

// Lists nest at most this deep in .rn (no spec needs more than 2), so neither the parser nor the
// writer recurses without a bound.
inline constexpr int kMaxListDepth = 32;

// The spec's op name for a .rn op word ("conv" -> "conv2d"); other words are op names already.
std::string op_from_alias(std::string_view word);
// The short .rn name of an op, or the op itself.
std::string alias_of_op(std::string_view op);
// The spec's key for a .rn argument name ("k" -> "kernel", "first" -> "first_block").
std::string key_from_alias(std::string_view word);
std::string alias_of_key(std::string_view key);
// True when `word` is a short name (of an op or a key): a spec name equal to one is quoted.
bool is_op_alias(std::string_view word);
bool is_key_alias(std::string_view word);
// The keys an op takes as leading positional arguments ("conv2d" -> out_channels).
const std::vector<std::string_view>& positional_keys(std::string_view op);
// Where a key goes among the keyword arguments: kernel, stride, padding first, the rest by name.
int key_rank(std::string_view key);

}  // namespace rnc::rn
