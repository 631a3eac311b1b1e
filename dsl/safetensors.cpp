// safetensors: 8-byte little-endian header length N, N bytes of JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}, then the data.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dsl/diagnostics.hpp"
#include "dsl/float_formats.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/weights.hpp"
#include "file_io.hpp"

namespace rnc {
namespace {

using nlohmann::json;

// A header this large is not a weights file (PyTorch's largest models need a few MB).
constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

std::size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

float to_float(const unsigned char* p, const std::string& dtype) {
  if (dtype == "F32") {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  if (dtype == "F64") {
    double d;
    std::memcpy(&d, p, 8);
    return static_cast<float>(d);
  }
  std::uint16_t bits;
  std::memcpy(&bits, p, 2);
  if (dtype == "F16") return half_to_float(bits);
  return bfloat16_to_float(bits);
}

struct Entry {
  std::string name, dtype;
  Shape shape;
  std::uint64_t begin = 0, end = 0;
};

std::optional<Entry> parse_entry(const std::string& name, const json& v, std::uint64_t data_bytes, Diagnostics& diags) {
  const std::string where = "tensor \"" + name + "\"";
  if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets") ||
      !v["dtype"].is_string() || !v["shape"].is_array() || !v["data_offsets"].is_array() ||
      v["data_offsets"].size() != 2) {
    diags.error(where, "expected {\"dtype\": string, \"shape\": [ints], \"data_offsets\": [begin, end]}");
    return std::nullopt;
  }
  Entry e{name, v["dtype"].get<std::string>(), {}, 0, 0};
  for (const json& d : v["shape"]) {
    if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (std::uint64_t{1} << 40)) {
      diags.error(where, fmt::format("shape {} must hold non-negative integers", v["shape"].dump()));
      return std::nullopt;
    }
    e.shape.push_back(d.get<std::int64_t>());
  }
  for (const json& o : v["data_offsets"])
    if (!o.is_number_unsigned()) {
      diags.error(where, fmt::format("data_offsets {} must be non-negative integers", v["data_offsets"].dump()));
      return std::nullopt;
    }
  e.begin = v["data_offsets"][0].get<std::uint64_t>();
  e.end = v["data_offsets"][1].get<std::uint64_t>();
  const std::size_t elem = dtype_size(e.dtype);
  const auto count = checked_numel(e.shape);
  if (elem == 0) {
    diags.error(where, fmt::format("unknown dtype \"{}\"", e.dtype));
  } else if (!count) {
    diags.error(where, fmt::format("shape {} has too many elements", to_string(e.shape)));
  } else if (e.begin > e.end) {
    diags.error(where,
                fmt::format("data_offsets [{}, {}] end before they begin; expected [begin, end] with begin <= end",
                            e.begin, e.end));
  } else if (e.end > data_bytes) {
    diags.error(where, fmt::format("data_offsets [{}, {}] lie outside the {} data bytes of the file", e.begin, e.end,
                                   data_bytes));
  } else if (e.end - e.begin != static_cast<std::uint64_t>(*count) * elem) {
    diags.error(where,
                fmt::format("data_offsets [{}, {}] hold {} bytes, but {} {} needs {}", e.begin, e.end, e.end - e.begin,
                            e.dtype, to_string(e.shape), static_cast<std::uint64_t>(*count) * elem));
  } else {
    return e;
  }
  return std::nullopt;
}

void check_overlaps(std::vector<Entry>& entries, Diagnostics& diags) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  // Compare each tensor with the one reaching furthest so far, so a large tensor that covers
  // several later ones is reported against each of them. Empty tensors occupy nothing.
  const Entry* furthest = nullptr;
  for (const Entry& e : entries) {
    if (e.end == e.begin) continue;
    if (furthest && e.begin < furthest->end)
      diags.error("tensor \"" + e.name + "\"", fmt::format("data [{}, {}] overlaps tensor \"{}\" [{}, {}]", e.begin,
                                                           e.end, furthest->name, furthest->begin, furthest->end));
    if (!furthest || e.end > furthest->end) furthest = &e;
  }
}

// Reads the file piece by piece, each piece's size checked against the file's size first: no
// allocation follows from an untrusted length, and the tensors are never held twice.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!in_ || ec) throw CompileError(fmt::format("{}: cannot open file", path));
    if (!std::filesystem::is_regular_file(status))
      throw CompileError(fmt::format("{}: not a regular file; expected a safetensors file", path));
    size_ = std::filesystem::file_size(path, ec);
    if (ec) throw CompileError(fmt::format("{}: cannot read file: {}", path, ec.message()));
  }

  std::uint64_t size() const { return size_; }

  // `count` bytes at `offset`; the caller has checked that they lie inside the file.
  std::string read(std::uint64_t offset, std::uint64_t count) {
    std::string bytes(count, '\0');
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(bytes.data(), static_cast<std::streamsize>(count));
    if (!in_)
      throw CompileError(
          fmt::format("{}: cannot read {} bytes at offset {} (was the file changed?)", path_, count, offset));
    return bytes;
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::uint64_t size_ = 0;
};

json read_header(SafetensorsFile& file, const std::string& path, std::uint64_t& header_len) {
  if (file.size() < 8)
    throw CompileError(
        fmt::format("{}: not a safetensors file: {} bytes, shorter than the 8-byte header length", path, file.size()));
  const std::string length = file.read(0, 8);
  std::memcpy(&header_len, length.data(), 8);
  if (header_len > kMaxHeaderBytes || header_len > file.size() - 8)
    throw CompileError(
        fmt::format("{}: header length {} runs past the end of the file ({} bytes) or exceeds {} bytes; "
                    "the file is truncated or not safetensors",
                    path, header_len, file.size(), kMaxHeaderBytes));
  const std::string text = file.read(8, header_len);
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number beyond double
    throw CompileError(fmt::format("{}: the header is not valid JSON ({})", path, e.what()));
  }
  if (!header.is_object())
    throw CompileError(fmt::format("{}: the header must be a JSON object, got {}", path, header.type_name()));
  return header;
}

}  // namespace

WeightMap read_safetensors(const std::string& path) {
  SafetensorsFile file(path);
  std::uint64_t header_len = 0;
  const json header = read_header(file, path, header_len);
  const std::uint64_t data_start = 8 + header_len;
  const std::uint64_t data_bytes = file.size() - data_start;

  Diagnostics diags;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    if (auto e = parse_entry(it.key(), it.value(), data_bytes, diags)) entries.push_back(std::move(*e));
  }
  check_overlaps(entries, diags);
  throw_if_errors(diags, path);

  WeightMap weights;
  for (const Entry& e : entries) {
    const bool is_float = e.dtype == "F32" || e.dtype == "F64" || e.dtype == "F16" || e.dtype == "BF16";
    if (!is_float) {
      weights.ignored[e.name] = e.dtype;
      continue;
    }
    const std::string bytes = file.read(data_start + e.begin, e.end - e.begin);
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    Tensor t(e.shape);
    const std::size_t elem = dtype_size(e.dtype);
    for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] = to_float(data + i * elem, e.dtype);
    weights.tensors.emplace(e.name, std::move(t));
  }
  return weights;
}

void write_safetensors(const std::string& path, const WeightMap& weights) {
  json header = json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, t] : weights.tensors) {
    const std::uint64_t size = t.data.size() * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::uint64_t len = text.size();
  std::string bytes(reinterpret_cast<const char*>(&len), 8);
  bytes.reserve(8 + text.size() + offset);
  bytes += text;
  for (const auto& [name, t] : weights.tensors)
    bytes.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  rt::write_file_atomic(path, {{bytes.data(), bytes.size()}});  // a failed write leaves no half file
}

}  // namespace rnc
