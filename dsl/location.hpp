// Where something is written in an input file, as the front end that read it knows it: a JSON
// pointer in a .json spec (or another path-like name of a place, `tensor "0.0.weight"` in a
// weights file), or a line and column in a text file (.rn spec, malformed JSON). Each front end
// reports its own positions: Diagnostics print a Location, and Node::where carries the one of
// the spec entry a node came from to every later message.
#pragma once

#include <compare>
#include <cstddef>
#include <string>
#include <string_view>

namespace rnc {

class Location {
 public:
  Location() = default;  // the file as a whole
  // A JSON pointer ("/stages/2/layers/0") or another name of a place in a file. Implicit: a
  // string names a place the way a JSON pointer does.
  Location(std::string path) : path_(std::move(path)) {}  // NOLINT(google-explicit-constructor)
  Location(const char* path) : path_(path) {}             // NOLINT(google-explicit-constructor)
  // Line and column, both from 1; a column counts bytes, as compilers do.
  static Location line_column(int line, int column);

  bool has_line() const { return line_ > 0; }
  int line() const { return line_; }
  int column() const { return column_; }

  // Where a part of the thing here is: a child's JSON pointer (key escaped as RFC 6901 says);
  // a line:column stays as it is, the nearest place the text gives.
  Location child(std::string_view key) const;
  Location child(std::size_t index) const;

  // "/stages/2/layers/0", "12:5", or "" for the file as a whole.
  std::string to_string() const;
  // The start of a diagnostic: "FILE: /stages/2", "FILE:12:5" (joined the way compilers do) or "FILE".
  std::string in_file(const std::string& file) const;

  // Text order for line:column locations, which a text front end's messages follow.
  friend auto operator<=>(const Location&, const Location&) = default;

 private:
  int line_ = 0;  // 0: no line:column, the path names the place
  int column_ = 0;
  std::string path_;
};

// JSON-pointer escaping of one reference token ("~" -> "~0", "/" -> "~1").
std::string pointer_token(std::string_view key);

}  // namespace rnc
