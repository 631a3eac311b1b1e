#include "weights_blob.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "error.hpp"

namespace rnc::rt {

static_assert(kBufferAlignment % kBlobAlignment == 0, "file buffers must satisfy the blob alignment");
static_assert(kBlobHeaderBytes % kBlobAlignment == 0, "the payload must start aligned");

namespace {

constexpr const char* kEmbeddedName = "embedded weights";

// The first characters of a hash, enough to tell two apart in a message.
std::string short_hash(std::string_view hash) {
  std::string out;
  for (const char c : hash.substr(0, 12)) out += c >= 0x20 && c < 0x7f ? c : '?';
  return hash.size() > 12 ? out + "..." : out;
}

std::string hex64(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

BlobError corrupt(const std::string& message) { return BlobError(BlobProblem::kCorrupt, message); }

// The checks run from the most to the least basic, so the first failure names the real cause
// (a file for another model is reported as such, not as a checksum error). Reads only the
// header from `bytes`; `size` is the whole blob's, so a file's size can be checked before it is
// read.
void check_header(const unsigned char* bytes, std::uint64_t size, std::string_view model_hash,
                  std::uint64_t payload_bytes, const std::string& where) {
  if (size < kBlobHeaderBytes) {
    throw corrupt(where + ": truncated: " + std::to_string(size) + " bytes, less than the " +
                  std::to_string(kBlobHeaderBytes) + "-byte blob header");
  }
  BlobHeader header;
  std::memcpy(&header, bytes, sizeof header);
  if (std::memcmp(header.magic, kBlobMagic, sizeof kBlobMagic) != 0) {
    throw corrupt(where + ": not a resnetc weights blob (expected magic 'RNCBLOB1' at the start)");
  }
  if (header.version != kBlobVersion) {
    throw corrupt(where + ": blob format version " + std::to_string(header.version) +
                  " is not supported; this binary reads version " + std::to_string(kBlobVersion) +
                  " (regenerate the blob with the resnetc that made this binary)");
  }
  const std::string_view found_hash(header.model_hash, kModelHashChars);
  if (found_hash != model_hash) {
    throw BlobError(BlobProblem::kOtherModel,
                    where + ": this blob was made for another model or other compile options (model hash " +
                        short_hash(found_hash) + ", the binary expects " + short_hash(model_hash) +
                        "); recompile or pass the matching --weights");
  }
  if (header.payload_bytes != payload_bytes) {
    throw corrupt(where + ": payload is " + std::to_string(header.payload_bytes) + " bytes, the binary expects " +
                  std::to_string(payload_bytes));
  }
  const std::uint64_t payload_found = size - kBlobHeaderBytes;
  if (payload_found < payload_bytes) {
    throw corrupt(where + ": truncated: expected " + std::to_string(payload_bytes) +
                  " payload bytes after the header, found " + std::to_string(payload_found));
  }
  if (payload_found > payload_bytes) {
    throw corrupt(where + ": " + std::to_string(payload_found - payload_bytes) + " unexpected bytes after the " +
                  std::to_string(payload_bytes) + "-byte payload");
  }
}

void validate(const unsigned char* bytes, std::size_t size, std::string_view model_hash, std::uint64_t payload_bytes,
              const std::string& where) {
  check_header(bytes, size, model_hash, payload_bytes, where);
  BlobHeader header;
  std::memcpy(&header, bytes, sizeof header);
  const std::uint64_t checksum = fnv1a64(bytes + kBlobHeaderBytes, payload_bytes);
  if (checksum != header.payload_checksum) {
    throw corrupt(where + ": payload checksum is " + hex64(checksum) + ", the header says " +
                  hex64(header.payload_checksum) + ": the file is corrupted or was modified");
  }
}

// The size of a regular file; anything else (a directory, a device) is not a blob.
std::uint64_t regular_file_size(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::is_regular_file(status)) {
    throw Error(path + ": not a regular file; expected a resnetc weights blob");
  }
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read: " + ec.message());
  return size;
}

}  // namespace

WeightsBlob::WeightsBlob(AlignedBytes owned, const unsigned char* bytes, std::size_t size)
    : owned_(std::move(owned)), bytes_(bytes), size_(size) {}

WeightsBlob WeightsBlob::from_file(const std::string& path, std::string_view model_hash, std::uint64_t payload_bytes) {
  // Header and size first: a file of the wrong size (or /dev/zero) is refused before it is
  // read, so nothing is allocated beyond the blob the binary expects.
  const std::string header = read_prefix(path, kBlobHeaderBytes);
  check_header(reinterpret_cast<const unsigned char*>(header.data()), regular_file_size(path), model_hash,
               payload_bytes, path);
  FileBytes file = read_file(path);
  validate(file.data.get(), file.size, model_hash, payload_bytes, path);
  const unsigned char* bytes = file.data.get();
  return WeightsBlob(std::move(file.data), bytes, file.size);
}

WeightsBlob WeightsBlob::from_memory(const unsigned char* data, std::size_t size, std::string_view model_hash,
                                     std::uint64_t payload_bytes) {
  if (data == nullptr) throw Error(std::string(kEmbeddedName) + ": missing (null pointer)");
  if (reinterpret_cast<std::uintptr_t>(data) % kBlobAlignment != 0) {
    throw Error(std::string(kEmbeddedName) + ": not " + std::to_string(kBlobAlignment) +
                "-byte aligned in memory; the generated code must align the array");
  }
  validate(data, size, model_hash, payload_bytes, kEmbeddedName);
  return WeightsBlob(AlignedBytes(), data, size);
}

const float* WeightsBlob::payload() const { return reinterpret_cast<const float*>(bytes_ + kBlobHeaderBytes); }

std::uint64_t WeightsBlob::payload_bytes() const { return size_ - kBlobHeaderBytes; }

std::uint32_t WeightsBlob::tensor_count() const {
  BlobHeader header;
  std::memcpy(&header, bytes_, sizeof header);
  return header.tensor_count;
}

void write_blob(const std::string& path, std::string_view model_hash, std::uint32_t tensor_count,
                const std::vector<unsigned char>& payload) {
  if (model_hash.size() != kModelHashChars) {
    throw Error(path + ": model hash must be " + std::to_string(kModelHashChars) + " hex characters, got " +
                std::to_string(model_hash.size()));
  }
  BlobHeader header{};
  std::memcpy(header.magic, kBlobMagic, sizeof kBlobMagic);
  header.version = kBlobVersion;
  header.tensor_count = tensor_count;
  header.payload_bytes = payload.size();
  std::memcpy(header.model_hash, model_hash.data(), kModelHashChars);
  header.payload_checksum = fnv1a64(payload.data(), payload.size());
  write_file_atomic(path, {{&header, sizeof header}, {payload.data(), payload.size()}});
}

}  // namespace rnc::rt
