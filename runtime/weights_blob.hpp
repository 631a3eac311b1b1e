// The packed-weights blob (layout in blob_format.hpp): loading with every check a user can trip
// over (wrong file, other model, truncated, corrupted), and the writer resnetc uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "blob_format.hpp"
#include "error.hpp"
#include "file_io.hpp"

namespace rnc::rt {

// Why a blob was refused, for callers that map it to a code (the C API, c_api.hpp). A file that
// cannot be opened or read is a plain Error.
enum class BlobProblem { kCorrupt, kOtherModel };
struct BlobError : Error {
  BlobError(BlobProblem p, const std::string& message) : Error(message), problem(p) {}
  BlobProblem problem;
};

class WeightsBlob {
 public:
  // Reads the whole file into a 64-byte aligned buffer owned by the blob, then validates it.
  static WeightsBlob from_file(const std::string& path, std::string_view model_hash, std::uint64_t payload_bytes);
  // Validates a blob linked into the executable (must be 64-byte aligned); does not copy it.
  static WeightsBlob from_memory(const unsigned char* data, std::size_t size, std::string_view model_hash,
                                 std::uint64_t payload_bytes);

  // 64-byte aligned; valid as long as this object lives.
  const float* payload() const;
  std::uint64_t payload_bytes() const;
  std::uint32_t tensor_count() const;

 private:
  WeightsBlob(AlignedBytes owned, const unsigned char* bytes, std::size_t size);

  AlignedBytes owned_;  // empty for from_memory
  const unsigned char* bytes_;
  std::size_t size_;
};

// Writes header + payload to `path` atomically. `model_hash` must be kModelHashChars long.
void write_blob(const std::string& path, std::string_view model_hash, std::uint32_t tensor_count,
                const std::vector<unsigned char>& payload);

}  // namespace rnc::rt
