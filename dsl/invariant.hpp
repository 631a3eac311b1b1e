// Internal invariants: conditions that hold for every input, valid or not. A failed one is a bug
// in resnetc, never a problem of the user's spec, weights or options, so it has its own error
// type (not CompileError) and its message says so.
#pragma once

#include <stdexcept>
#include <string>

namespace rnc {

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Throws InternalError("bug in resnetc: <what> (file:line)") unless `holds`. The caller's place
// comes from the builtins gcc and clang share (clang 14's libstdc++ has no std::source_location).
inline void check_invariant(bool holds, const std::string& what, const char* file = __builtin_FILE(),
                            int line = __builtin_LINE()) {
  if (!holds) throw InternalError("bug in resnetc: " + what + " (" + file + ":" + std::to_string(line) + ")");
}

}  // namespace rnc
