#include "codegen/project_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "dsl/diagnostics.hpp"

namespace rnc {
namespace fs = std::filesystem;

void FileOps::write_file(const fs::path& path, std::string_view data) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out)
    throw fs::filesystem_error("cannot write", path, std::error_code(errno ? errno : EIO, std::generic_category()));
}

void FileOps::rename(const fs::path& from, const fs::path& to) { fs::rename(from, to); }

bool FileOps::exchange(const fs::path& a, const fs::path& b) {
#ifdef RENAME_EXCHANGE
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return true;
  // Other errors are real failures; these say that this kernel or filesystem cannot swap.
  if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
    throw fs::filesystem_error("cannot swap", a, b, std::error_code(errno, std::generic_category()));
#endif
  return false;
}

namespace {

// A failed filesystem operation, saying what was being done; write_project adds where and the outcome.
struct StepFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs `op`, turning a filesystem error into StepFailed("WHAT: reason").
template <class Op>
auto attempt(const std::string& what, Op&& op) {
  try {
    return op();
  } catch (const fs::filesystem_error& e) {
    throw StepFailed(fmt::format("{}: {}", what, e.code().message()));
  }
}

// The directory entry to replace: "out/x/", "." and "a/../x" name their directory itself.
fs::path output_path(const std::string& dir) {
  std::error_code ec;
  fs::path path = fs::absolute(dir, ec).lexically_normal();
  if (!ec && !path.has_filename()) path = path.parent_path();
  if (ec || !path.has_filename()) throw CompileError(fmt::format("\"{}\": cannot be an output directory", dir));
  return path;
}

// A new empty directory beside `target`, ".NAME.TAG-PID[-N]". Never an existing one: what a
// killed run left there may hold the user's build tree (see replace_directory).
fs::path make_sibling_dir(const fs::path& target, std::string_view tag) {
  const std::string base = fmt::format(".{}.{}-{}", target.filename().string(), tag, ::getpid());
  for (int n = 1;; ++n) {
    const fs::path path = target.parent_path() / (n == 1 ? base : fmt::format("{}-{}", base, n));
    std::error_code ec;
    if (fs::create_directory(path, ec)) return path;
    if (!fs::exists(fs::symlink_status(path)))
      throw StepFailed(fmt::format("creating {}: {}", path.string(),
                                   (ec ? ec : std::make_error_code(std::errc::io_error)).message()));
  }
}

std::set<std::string> read_manifest(const fs::path& dir) {
  std::set<std::string> listed;
  std::ifstream in(dir / kManifestName);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') listed.insert(line);
  return listed;
}

std::string manifest_text(const std::map<std::string, std::string_view>& files) {
  std::string text = fmt::format(
      "# The files resnetc {} wrote into this directory; a recompile replaces them. It refuses to replace\n"
      "# a directory holding anything else (except build/, which it keeps) unless given --force.\n",
      kResnetcVersion);
  for (const auto& [path, data] : files) text += path + '\n';
  return text;
}

// The files in `dir` (outside its build tree) that its manifest does not list, sorted.
std::vector<std::string> foreign_files(const fs::path& dir) {
  const std::set<std::string> listed = read_manifest(dir);
  std::vector<std::string> foreign;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    const std::string path = it->path().lexically_relative(dir).generic_string();
    if (path == kBuildDirName) {
      it.disable_recursion_pending();
      continue;
    }
    // Directories only hold files: an empty one has nothing to lose (resnetc_add_model creates
    // DIR/runtime before the first compile).
    if (it->is_directory() && !it->is_symlink()) continue;
    if (path != kManifestName && !listed.contains(path)) foreign.push_back(path);
  }
  std::sort(foreign.begin(), foreign.end());
  return foreign;
}

// Throws CompileError if `target` exists but resnetc may not replace it.
void check_replaceable(const fs::path& target, const std::string& dir, bool force) {
  std::error_code ec;
  const fs::file_status status = fs::status(target, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_directory(status)) throw CompileError(fmt::format("{}: exists and is not a directory", dir));
  if (force) return;
  std::vector<std::string> foreign;
  try {
    foreign = foreign_files(target);
  } catch (const fs::filesystem_error& e) {
    throw CompileError(fmt::format("{}: cannot read the output directory: {}", dir, e.code().message()));
  }
  if (foreign.empty()) return;
  const std::string unlisted = fs::exists(target / kManifestName)
                                   ? ""
                                   : fmt::format("; {} has no {}, resnetc's list of its own files", dir, kManifestName);
  const bool one = foreign.size() == 1;
  throw CompileError(
      fmt::format("{}: holds {} resnetc did not write ({}{}{}); remove {} or pass --force to replace the "
                  "directory (its build/ is kept)",
                  dir, one ? "a file" : fmt::format("{} files", foreign.size()), one ? "" : "e.g. ", foreign[0],
                  unlisted, one ? "it" : "them"));
}

void create_parent(const fs::path& target, const std::string& dir) {
  const fs::path parent = target.parent_path();
  std::error_code ec;
  // Missing parents are created, like mkdir -p; only DIR itself is replaced as a whole.
  if (!fs::is_directory(parent, ec) && (!fs::create_directories(parent, ec) || ec))
    throw CompileError(fmt::format("{}: cannot create the output directory: {} ({})", dir, parent.string(),
                                   ec ? ec.message() : "not a directory"));
}

// The sources, NAME.weights and the manifest listing both.
void write_files(const CompiledProject& project, const fs::path& staging, FileOps& ops) {
  std::map<std::string, std::string_view> files(project.files.begin(), project.files.end());
  files[project.program.name + ".weights"] = {reinterpret_cast<const char*>(project.blob.data()), project.blob.size()};
  const std::string manifest = manifest_text(files);
  files[std::string(kManifestName)] = manifest;
  for (const auto& file : files) {  // not a structured binding: clang 14 cannot capture one
    const fs::path target = staging / file.first;
    attempt("writing " + target.string(), [&] { ops.write_file(target, file.second); });
  }
}

// The renames done so far while replacing a directory, to undo, last first, if a later one fails.
class Journal {
 public:
  explicit Journal(FileOps& ops) : ops_(ops) {}

  void rename(const fs::path& from, const fs::path& to) { run({from, to, false}); }
  // False, with nothing done, where the system cannot swap directories.
  bool exchange(const fs::path& a, const fs::path& b) { return run({a, b, true}); }

  // Undoes every step. If one cannot be undone, stops and returns why and what the user has to
  // move by hand; nothing is deleted then.
  std::optional<std::string> undo() {
    for (; !done_.empty(); done_.pop_back()) {
      const Step back = done_.back().reversed();
      try {
        if (!apply(back)) throw StepFailed(back.doing() + ": swapping is not supported");
      } catch (const StepFailed& e) {
        std::string by_hand;
        for (auto it = done_.rbegin(); it != done_.rend(); ++it)
          by_hand += (by_hand.empty() ? "" : ", then ") + it->reversed().todo();
        return fmt::format("({}); nothing was deleted: {} by hand", e.what(), by_hand);
      }
    }
    return std::nullopt;
  }

 private:
  struct Step {
    fs::path from, to;
    bool swap;  // exchanged with `to` instead of renamed to it
    Step reversed() const { return swap ? *this : Step{to, from, false}; }
    std::string doing() const {
      return fmt::format("{} {} {} {}", swap ? "swapping" : "renaming", from.string(), swap ? "and" : "to",
                         to.string());
    }
    std::string todo() const {
      return fmt::format("{} {} {} {}", swap ? "swap" : "move", from.string(), swap ? "and" : "to", to.string());
    }
  };

  bool apply(const Step& step) {
    return attempt(step.doing(), [&] {
      if (step.swap) return ops_.exchange(step.from, step.to);
      ops_.rename(step.from, step.to);
      return true;
    });
  }
  bool run(const Step& step) {
    if (!apply(step)) return false;
    done_.push_back(step);
    return true;
  }

  FileOps& ops_;
  std::vector<Step> done_;
};

// Puts the complete `staging` directory in the place of `target`, with target's build tree moved
// into it first, then deletes the old directory. The build tree moves first so that the last step
// (one atomic swap where the system has it) makes the whole new directory appear at once. Throws
// StepFailed with everything undone, or CompileError if undoing failed too.
void replace_directory(const fs::path& target, const fs::path& staging, const std::string& dir, FileOps& ops) {
  const fs::path build = target / kBuildDirName;
  std::error_code ec;
  const bool has_build = fs::exists(fs::symlink_status(build, ec));
  Journal journal(ops);
  fs::path old = staging;  // where the old directory ends up
  try {
    if (has_build) journal.rename(build, staging / kBuildDirName);
    if (!journal.exchange(staging, target)) {
      old = make_sibling_dir(target, "old");  // an empty directory, which the rename replaces
      journal.rename(target, old);
      journal.rename(staging, target);
    }
  } catch (const StepFailed& e) {
    if (const auto stuck = journal.undo())
      throw CompileError(
          fmt::format("{}: cannot replace the output directory ({}), nor restore it {}", dir, e.what(), *stuck));
    if (old != staging) fs::remove(old, ec);  // empty again; fs::remove never deletes contents
    throw;
  }
  // Best effort: what is left is resnetc's previous output (and, under --force, foreign files).
  fs::remove_all(old, ec);
}

}  // namespace

void write_project(const CompiledProject& project, const std::string& dir, const WriteOptions& options, FileOps& ops) {
  const fs::path target = output_path(dir);
  check_replaceable(target, dir, options.force);
  create_parent(target, dir);
  fs::path staging;
  try {
    staging = make_sibling_dir(target, "tmp");
    write_files(project, staging, ops);
    std::error_code ec;
    if (fs::exists(fs::symlink_status(target, ec))) replace_directory(target, staging, dir, ops);
    else Journal(ops).rename(staging, target);  // a single step: nothing to undo if it fails
  } catch (const StepFailed& e) {
    std::error_code ec;
    if (!staging.empty()) fs::remove_all(staging, ec);
    throw CompileError(
        fmt::format("{}: cannot write the output directory ({}); {} is left as it was", dir, e.what(), dir));
  }
}

void write_project(const CompiledProject& project, const std::string& dir, const WriteOptions& options) {
  FileOps ops;
  write_project(project, dir, options, ops);
}

}  // namespace rnc
