// Error collection with locations. Readers and checkers report every problem they find (not just
// the first) so a user fixes a spec in one round trip.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "dsl/location.hpp"

namespace rnc {

struct Diagnostic {
  Location where;    // a JSON pointer, a line:column, or the file as a whole
  std::string what;  // what was expected and what was found
};

class Diagnostics {
 public:
  void error(Location where, std::string what) {
    if (muted_ == 0) items_.push_back({std::move(where), std::move(what)});
  }
  bool ok() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // One line per diagnostic: "FILE: /json/pointer: what", "FILE:12:5: what" or "FILE: what".
  std::string format(const std::string& file) const;

  // Drops every error while it lives, when `when` holds: a spec item written with a syntax error
  // is still read for the names it defines, but whatever else it reports follows from that error.
  class Mute {
   public:
    Mute(Diagnostics& diags, bool when) : diags_(when ? &diags : nullptr) {
      if (diags_) ++diags_->muted_;
    }
    ~Mute() {
      if (diags_) --diags_->muted_;
    }
    Mute(const Mute&) = delete;
    Mute& operator=(const Mute&) = delete;

   private:
    Diagnostics* diags_;
  };

 private:
  std::vector<Diagnostic> items_;
  int muted_ = 0;
};

// Thrown when a stage of the pipeline finds errors; carries the full, formatted list.
class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CompileError with every diagnostic if there is any.
void throw_if_errors(const Diagnostics& diags, const std::string& file);

}  // namespace rnc
