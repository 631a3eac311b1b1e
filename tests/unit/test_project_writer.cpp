// Unit tests for codegen/project_writer: the manifest, the refusal of directories holding the
// user's files, DIR/build carried over, and, through injected failures of every filesystem
// operation in turn, that no failure loses anything the user had.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "codegen/project_writer.hpp"
#include "dsl/diagnostics.hpp"
#include "tests/support/files.hpp"

namespace {

namespace fs = std::filesystem;
using rnc::CompiledProject;
using rnc::CompileError;
using rnc::test::read_file;
using rnc::test::TempDir;

CompiledProject project(const std::string& name, std::map<std::string, std::string> files) {
  CompiledProject p;
  p.program.name = name;
  p.files = std::move(files);
  p.blob = {'R', 'N', 'C', static_cast<unsigned char>(name.size())};
  return p;
}

// Two versions of one project; the second drops a source file the first wrote.
const CompiledProject kFirst =
    project("m", {{"CMakeLists.txt", "first"}, {"m_old.cpp", "gone later"}, {"runtime/rt.hpp", "rt 1"}});
const CompiledProject kSecond = project("m", {{"CMakeLists.txt", "second"}, {"runtime/rt.hpp", "rt 2"}});

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Every entry under `root` (directories as "path/"), with each file's contents.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string path = entry.path().lexically_relative(root).generic_string();
    if (entry.is_directory()) entries[path + "/"] = "";
    else entries[path] = read_file(entry.path());
  }
  return entries;
}

// A previous output with the user's build tree in it.
fs::path compiled_with_build_tree(const TempDir& tmp) {
  const fs::path out = tmp.path() / "out";
  rnc::write_project(kFirst, out.string());
  write(out / "build" / "CMakeCache.txt", "the user's cache");
  write(out / "build" / "m", "the user's program");
  return out;
}

// Fails its `fail_at`-th operation (1-based; 0: none), and every later one if `keep_failing`;
// emulates a system without RENAME_EXCHANGE unless `can_exchange`.
class FailingOps : public rnc::FileOps {
 public:
  int fail_at = 0;
  bool keep_failing = false;
  bool can_exchange = true;
  int calls = 0;

  void write_file(const fs::path& path, std::string_view data) override {
    check(path);
    FileOps::write_file(path, data);
  }
  void rename(const fs::path& from, const fs::path& to) override {
    check(from);
    FileOps::rename(from, to);
  }
  bool exchange(const fs::path& a, const fs::path& b) override {
    if (!can_exchange) return false;
    check(a);
    return FileOps::exchange(a, b);
  }

 private:
  void check(const fs::path& path) {
    ++calls;
    if (calls == fail_at || (keep_failing && fail_at > 0 && calls > fail_at))
      throw fs::filesystem_error("injected", path, std::error_code(EIO, std::generic_category()));
  }
};

}  // namespace

TEST_CASE("project writer: a new directory holds the files and the manifest listing them") {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  rnc::write_project(kFirst, out.string() + "/");  // a trailing slash names the same directory
  CHECK(read_file(out / "CMakeLists.txt") == "first");
  CHECK(read_file(out / "runtime" / "rt.hpp") == "rt 1");
  CHECK(read_file(out / "m.weights") == std::string("RNC\x01"));
  const std::string manifest = read_file(out / rnc::kManifestName);
  CHECK(manifest.find("\nCMakeLists.txt\nm.weights\nm_old.cpp\nruntime/rt.hpp\n") != std::string::npos);
  CHECK(snapshot(tmp.path()).size() == 7);  // out/, runtime/ and five files: no temporaries
}

TEST_CASE("project writer: a recompile replaces resnetc's files and keeps the user's build tree") {
  for (const bool can_exchange : {true, false}) {
    CAPTURE(can_exchange);
    TempDir tmp;
    const fs::path out = compiled_with_build_tree(tmp);
    FailingOps ops;
    ops.can_exchange = can_exchange;
    rnc::write_project(kSecond, out.string(), {}, ops);
    CHECK(read_file(out / "CMakeLists.txt") == "second");
    CHECK_FALSE(fs::exists(out / "m_old.cpp"));
    CHECK(read_file(out / "build" / "CMakeCache.txt") == "the user's cache");
    CHECK(read_file(out / "build" / "m") == "the user's program");
    CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);  // no temporaries
  }
}

TEST_CASE("project writer: a directory holding the user's files is refused, naming one, and left as it was") {
  TempDir tmp;
  const fs::path out = compiled_with_build_tree(tmp);
  write(out / "runtime" / "notes.txt", "mine");
  const auto before = snapshot(tmp.path());
  CHECK_THROWS_WITH_AS(rnc::write_project(kSecond, out.string()),
                       (out.string() + ": holds a file resnetc did not write (runtime/notes.txt); remove it or pass "
                                       "--force to replace the directory (its build/ is kept)")
                           .c_str(),
                       CompileError);
  write(out / "zz.txt", "mine too");
  CHECK_THROWS_WITH_AS(rnc::write_project(kSecond, out.string()),
                       doctest::Contains("holds 2 files resnetc did not write (e.g. runtime/notes.txt); remove them"),
                       CompileError);
  fs::remove(out / "zz.txt");
  CHECK(snapshot(tmp.path()) == before);
}

TEST_CASE("project writer: a non-empty directory without a manifest is the user's; an empty one is not") {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  write(out / "CMakeLists.txt", "the user's own project");
  const std::string unlisted = "(CMakeLists.txt; " + out.string() + " has no .resnetc-files";
  CHECK_THROWS_WITH_AS(rnc::write_project(kFirst, out.string()), doctest::Contains(unlisted.c_str()), CompileError);
  CHECK(read_file(out / "CMakeLists.txt") == "the user's own project");
  // Empty directories hold nothing to lose (resnetc_add_model creates DIR/runtime in advance).
  fs::remove(out / "CMakeLists.txt");
  fs::create_directories(out / "runtime");
  fs::create_directories(out / "build" / "cache");
  rnc::write_project(kFirst, out.string());
  CHECK(read_file(out / "CMakeLists.txt") == "first");
  CHECK(fs::is_directory(out / "build" / "cache"));
}

TEST_CASE("project writer: --force replaces a directory holding the user's files, except its build tree") {
  TempDir tmp;
  const fs::path out = compiled_with_build_tree(tmp);
  write(out / "notes.txt", "mine");
  rnc::write_project(kSecond, out.string(), {.force = true});
  CHECK_FALSE(fs::exists(out / "notes.txt"));
  CHECK(read_file(out / "CMakeLists.txt") == "second");
  CHECK(read_file(out / "build" / "m") == "the user's program");
}

TEST_CASE("project writer: a file in the way of the directory is refused") {
  TempDir tmp;
  write(tmp.path() / "out", "a file");
  CHECK_THROWS_WITH_AS(rnc::write_project(kFirst, (tmp.path() / "out").string(), {.force = true}),
                       doctest::Contains("out: exists and is not a directory"), CompileError);
}

// Each write, rename and swap fails in turn, with and without RENAME_EXCHANGE; each time the
// parent directory (the old DIR, its build tree, no temporaries) must be exactly as before.
TEST_CASE("project writer: every failed operation leaves the old directory and its build tree intact") {
  for (const bool replacing : {true, false}) {
    for (const bool can_exchange : {true, false}) {
      CAPTURE(replacing);
      CAPTURE(can_exchange);
      int failures = 0;
      for (int fail_at = 1;; ++fail_at) {
        CAPTURE(fail_at);
        TempDir tmp;
        const fs::path out = replacing ? compiled_with_build_tree(tmp) : tmp.path() / "out";
        const auto before = snapshot(tmp.path());
        FailingOps ops;
        ops.fail_at = fail_at;
        ops.can_exchange = can_exchange;
        try {
          rnc::write_project(kSecond, out.string(), {}, ops);
        } catch (const CompileError& e) {
          ++failures;
          CHECK(std::string(e.what()).find(out.string() + " is left as it was") != std::string::npos);
          CHECK(snapshot(tmp.path()) == before);
          continue;
        }
        CHECK(read_file(out / "CMakeLists.txt") == "second");  // fail_at is past the last operation
        break;
      }
      // Four files, then: the build tree moved, and a swap or two renames (or one for a new DIR).
      CHECK(failures == 4 + (replacing ? (can_exchange ? 2 : 3) : 1));
    }
  }
}

// When undoing fails too, nothing may be deleted, and the message says what to move back.
TEST_CASE("project writer: a failed undo deletes nothing and says what to move back") {
  for (const bool can_exchange : {true, false}) {
    CAPTURE(can_exchange);
    for (int fail_at = 6; fail_at <= (can_exchange ? 6 : 7); ++fail_at) {  // the step after the build move
      CAPTURE(fail_at);
      TempDir tmp;
      const fs::path out = compiled_with_build_tree(tmp);
      FailingOps ops;
      ops.fail_at = fail_at;
      ops.keep_failing = true;
      ops.can_exchange = can_exchange;
      std::string message;
      try {
        rnc::write_project(kSecond, out.string(), {}, ops);
      } catch (const CompileError& e) {
        message = e.what();
      }
      CHECK(message.find("nor restore it") != std::string::npos);
      CHECK(message.find("nothing was deleted: move ") != std::string::npos);
      CHECK(message.find("/build to " + (out / "build").string()) != std::string::npos);
      // The user's files are all still somewhere in the parent directory.
      int found = 0;
      for (const auto& [path, contents] : snapshot(tmp.path()))
        found += contents == "the user's cache" || contents == "the user's program" || contents == "gone later";
      CHECK(found == 3);
    }
  }
}
