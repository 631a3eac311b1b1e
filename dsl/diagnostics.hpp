// Error collection with locations. Readers and checkers report every problem they find (not just
// the first) so a user fixes a spec in one round trip.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace rnc {

struct Diagnostic {
  std::string where;  // "/stages/2/layers/0/kernel" (JSON pointer) or "12:5" (line:column)
  std::string what;   // what was expected and what was found
};

class Diagnostics {
 public:
  void error(std::string where, std::string what) { items_.push_back({std::move(where), std::move(what)}); }
  bool ok() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // One line per diagnostic: "<file>: <where>: <what>"; a where that starts with a digit is a
  // line:column and is joined with ':' the way compilers do ("spec.json:3:7: ...").
  std::string format(const std::string& file) const;

 private:
  std::vector<Diagnostic> items_;
};

// Thrown when a stage of the pipeline finds errors; carries the full, formatted list.
class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CompileError with every diagnostic if there is any.
void throw_if_errors(const Diagnostics& diags, const std::string& file);

}  // namespace rnc
