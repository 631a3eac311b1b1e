// What every libFuzzer harness shares: the input bytes as a file (the readers take paths, and
// reading through the same path a user gives exercises the whole entry point), and the rule that
// the documented errors are the normal way to refuse input. Anything else escaping the harness
// (another exception, a crash, a sanitizer report) is a finding.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dsl/diagnostics.hpp"
#include "runtime/error.hpp"

namespace rnc::fuzz {

// One in-memory file (memfd) per process, rewritten for each input; named through /proc so the
// reader opens it like any other path.
inline const std::string& as_file(const std::uint8_t* data, std::size_t size) {
  static const int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ftruncate(fd, 0) != 0 || (size != 0 && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))) {
    std::perror("fuzz harness: cannot write the in-memory input file");
    std::abort();
  }
  return path;
}

// Runs `read`; CompileError (compiler side) and rt::Error (runtime side) are documented results.
template <class Read>
int refuse_quietly(Read&& read) {
  try {
    read();
  } catch (const rnc::CompileError&) {
  } catch (const rnc::rt::Error&) {
  }
  return 0;
}

}  // namespace rnc::fuzz
