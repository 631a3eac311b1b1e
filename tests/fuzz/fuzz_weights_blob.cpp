// The packed-weights blob loader, from a file and from memory (embedded weights): any bytes are
// either a blob whose whole payload can be read or an rt::Error, and both loaders agree.
#include <cstring>

#include "runtime/weights_blob.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

// What a generated binary would expect; the seed corpus blobs are made for this model.
constexpr std::string_view kModelHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr std::uint64_t kPayloadBytes = 192;

// Touches every payload byte, so a blob that claims more than it holds trips AddressSanitizer.
float payload_sum(const rnc::rt::WeightsBlob& blob) {
  float sum = static_cast<float>(blob.tensor_count());
  const auto* bytes = reinterpret_cast<const unsigned char*>(blob.payload());
  for (std::uint64_t i = 0; i < blob.payload_bytes(); ++i) sum += bytes[i];
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bool from_file = false, from_memory = false;
  rnc::fuzz::refuse_quietly([&] {
    const auto blob = rnc::rt::WeightsBlob::from_file(rnc::fuzz::as_file(data, size), kModelHash, kPayloadBytes);
    from_file = payload_sum(blob) >= 0;
  });
  const rnc::rt::AlignedBytes copy = rnc::rt::allocate_aligned(size);
  if (size != 0) std::memcpy(copy.get(), data, size);
  rnc::fuzz::refuse_quietly([&] {
    const auto blob = rnc::rt::WeightsBlob::from_memory(copy.get(), size, kModelHash, kPayloadBytes);
    from_memory = payload_sum(blob) >= 0;
  });
  if (from_file != from_memory) {
    std::fprintf(stderr, "fuzz_weights_blob: from_file %s the blob but from_memory %s it\n",
                 from_file ? "accepted" : "refused", from_memory ? "accepted" : "refused");
    std::abort();
  }
  return 0;
}
