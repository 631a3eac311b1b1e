// Whole-file reads into 64-byte aligned memory and atomic writes (temp file + rename), shared by
// the .npy, PNM and weights-blob code so each reports I/O failures the same way.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>

namespace rnc::rt {

// Enough for any SIMD load and for the blob's tensor alignment.
inline constexpr std::size_t kBufferAlignment = 64;

struct AlignedDelete {
  void operator()(unsigned char* p) const noexcept;
};
using AlignedBytes = std::unique_ptr<unsigned char[], AlignedDelete>;

// kBufferAlignment-aligned, uninitialized; a valid pointer even for size 0.
AlignedBytes allocate_aligned(std::size_t size);

struct FileBytes {
  AlignedBytes data;
  std::size_t size = 0;
};

// Reads all of `path`; throws Error("<path>: cannot read: <reason>").
FileBytes read_file(const std::string& path);

// Up to `count` first bytes of `path` (fewer if the file is shorter).
std::string read_prefix(const std::string& path, std::size_t count);

struct ByteRange {
  const void* data;
  std::size_t size;
};

// Writes the ranges, in order, to `path.tmp-XXXX` and renames it over `path`, so a reader never
// sees a half-written file and a failure leaves `path` untouched.
void write_file_atomic(const std::string& path, std::initializer_list<ByteRange> parts);

// strerror(err), thread-safe.
std::string errno_text(int err);

}  // namespace rnc::rt
