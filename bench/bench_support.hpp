// What the kernel micro-benchmarks share: the choice of configurations from the command line.
#pragma once

#include <cstring>

namespace bench_cli {

// Whether configuration `name` runs: with no arguments all do, else those whose name contains one
// of the arguments.
inline bool selected(int argc, char** argv, const char* name) {
  if (argc < 2) return true;
  for (int k = 1; k < argc; ++k)
    if (std::strstr(name, argv[k])) return true;
  return false;
}

}  // namespace bench_cli
