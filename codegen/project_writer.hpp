// Writing a compiled project to its output directory without ever losing what the user had there.
//
// DIR is built complete in a sibling staging directory, `.DIR.tmp-XXXXXX`, then swapped into
// place. resnetc lists what it wrote in DIR/.resnetc-files; a recompile replaces only a DIR whose
// files are all listed there (or an empty one), unless forced. DIR/build, the user's build tree
// (cmake -S DIR -B DIR/build), is always carried over into the new DIR. Any failure leaves DIR and
// its build tree as they were and removes the staging directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "codegen/compile.hpp"

namespace rnc {

// The list of the files resnetc wrote into an output directory, one relative path a line.
inline constexpr std::string_view kManifestName = ".resnetc-files";
// The user's build tree inside an output directory: never resnetc's, never deleted.
inline constexpr std::string_view kBuildDirName = "build";

// The filesystem operations whose failure write_project must survive. Each throws
// std::filesystem::filesystem_error on failure. Tests override them to fail at a chosen point.
class FileOps {
 public:
  virtual ~FileOps() = default;
  // Creates the missing parent directories too.
  virtual void write_file(const std::filesystem::path& path, std::string_view data);
  virtual void rename(const std::filesystem::path& from, const std::filesystem::path& to);
  // Atomically swaps two directories; returns false where the system cannot (the caller then
  // renames twice instead).
  virtual bool exchange(const std::filesystem::path& a, const std::filesystem::path& b);
};

struct WriteOptions {
  // Replace DIR even if it holds files resnetc did not write (they are deleted; DIR/build is kept).
  bool force = false;
};

// Writes the project into `dir`, replacing a previous output there. Throws CompileError naming
// `dir`: if it is not a directory, if it holds files resnetc did not write (unless forced), or on
// an I/O failure, in which case `dir` is left as it was.
void write_project(const CompiledProject& project, const std::string& dir, const WriteOptions& options = {});
void write_project(const CompiledProject& project, const std::string& dir, const WriteOptions& options, FileOps& ops);

}  // namespace rnc
