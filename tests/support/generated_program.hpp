// Runs a generated inference program the way a user does (its command line, .npy in and out), for
// the test drivers that check its output (e2e_check, digits_check).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

#include "npy.hpp"

namespace rnc::test {

// A scratch directory for one test driver process, removed when it goes out of scope.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix)
      : path_(std::filesystem::temp_directory_path() / fmt::format("{}_{}", prefix, ::getpid())) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// A test failure (the drivers exit 1), as opposed to a usage error of the driver itself (exit 2).
struct TestFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs BINARY --input INPUT --output <scratch> --threads THREADS [EXTRA] and returns its output.
// A non-zero exit throws TestFailure, after copying the program's log to stderr.
inline rt::Tensor run_generated_program(const std::string& binary, const std::string& input, int threads,
                                        const ScratchDir& scratch, const std::string& extra = "") {
  const std::string out_path = scratch.file("output.npy"), log_path = scratch.file("log.txt");
  const std::string command = fmt::format("'{}' --input '{}' --output '{}' --threads {} {} > '{}' 2>&1", binary, input,
                                          out_path, threads, extra, log_path);
  if (const int status = std::system(command.c_str()); status != 0) {
    std::system(fmt::format("cat '{}' >&2", log_path).c_str());
    throw TestFailure(fmt::format("{} exited with status {}", command, status));
  }
  return rt::read_npy(out_path);
}

}  // namespace rnc::test
