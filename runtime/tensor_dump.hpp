// A layer-by-layer dump on disk, written by `resnetc run --dump-dir` and `NAME --dump-dir` and read
// by `resnetc compare`: one float32 NCHW .npy per tensor, NNN_NAME.npy with NNN its position in
// execution order, and manifest.txt listing "FILE NAME" per line in that order.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "npy.hpp"

namespace rnc::rt {

inline constexpr const char* kDumpManifest = "manifest.txt";

struct DumpEntry {
  std::string name;  // the value's name (control characters replaced by '?')
  std::string file;  // relative to the dump directory
};

class DumpWriter {
 public:
  // Creates `dir` if needed and empties its manifest, so an older dump there is never mixed in.
  explicit DumpWriter(std::string dir);
  // Writes the tensor and rewrites the manifest, so a run that fails midway leaves a readable dump.
  // Tensors may come in any order; the manifest lists them by index.
  void write(std::size_t index, const std::string& name, const Tensor& tensor);
  std::size_t size() const { return entries_.size(); }

 private:
  void write_manifest() const;

  std::string dir_;
  std::map<std::size_t, DumpEntry> entries_;
};

// The manifest of `dir`, in order. Throws Error naming the path if it is missing or malformed.
std::vector<DumpEntry> read_dump_manifest(const std::string& dir);

}  // namespace rnc::rt
