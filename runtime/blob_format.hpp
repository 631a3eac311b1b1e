// Packed-weights blob layout, shared by the writer (resnetc codegen) and the reader (runtime).
//
// A blob is a 128-byte header followed by the payload. Every tensor in the payload starts at a
// 64-byte aligned offset (relative to the payload start); the generated code knows each offset
// as a constexpr. The header binds the blob to one model: `model_hash` is the SHA-256 (hex) of
// the lowered program (kernels, configurations, tensor layout) and the codegen options, so a
// blob made for another model or another specialization is refused; weight values are not
// hashed, so blobs of one network with different trained weights are interchangeable.
// `payload_checksum` (word-wise FNV-1a 64) catches truncation and tampering.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rnc::rt {

inline constexpr char kBlobMagic[8] = {'R', 'N', 'C', 'B', 'L', 'O', 'B', '1'};
inline constexpr std::uint32_t kBlobVersion = 1;
inline constexpr std::size_t kBlobHeaderBytes = 128;
inline constexpr std::size_t kBlobAlignment = 64;
inline constexpr std::size_t kModelHashChars = 64;

// Little-endian on disk; we only target little-endian hosts (x86-64, AArch64).
struct BlobHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t tensor_count;
  std::uint64_t payload_bytes;
  char model_hash[kModelHashChars];  // hex SHA-256, not NUL-terminated
  std::uint64_t payload_checksum;    // fnv1a64() of the payload
  char reserved[kBlobHeaderBytes - 96];
};
static_assert(sizeof(BlobHeader) == kBlobHeaderBytes, "blob header must stay 128 bytes");

// FNV-1a over 64-bit little-endian words (then the trailing bytes one by one): a tenth of the
// byte-wise cost, so checking a 70 MB blob at start takes milliseconds.
inline std::uint64_t fnv1a64(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  constexpr std::uint64_t kPrime = 0x100000001b3ull;
  std::uint64_t hash = 0xcbf29ce484222325ull;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    hash = (hash ^ word) * kPrime;
  }
  for (; i < size; ++i) hash = (hash ^ bytes[i]) * kPrime;
  return hash;
}

constexpr std::size_t align_up(std::size_t value, std::size_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace rnc::rt
