#include "dsl/onnx/onnx_tensor.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"
#include "dsl/float_formats.hpp"
#include "dsl/spec_reader.hpp"

namespace rnc::onnx_import {
namespace {

namespace fs = std::filesystem;
using onnx::TensorProto;

std::size_t element_size(int data_type) {
  switch (data_type) {
    case TensorProto::DOUBLE:
    case TensorProto::INT64: return 8;
    case TensorProto::FLOAT:
    case TensorProto::INT32: return 4;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16: return 2;
    default: return 0;
  }
}

// The external file named by `location`, refused unless it is a relative path that stays inside
// the model's directory (a model must not make resnetc read /etc/passwd or ../secrets).
fs::path external_path(const std::string& location, const std::string& model_dir) {
  const fs::path relative(location);
  if (location.empty() || relative.is_absolute() || relative.has_root_name())
    throw TensorError(fmt::format("external data location \"{}\" must be a path relative to the model's directory",
                                  location));
  for (const fs::path& part : relative)
    if (part == "..")
      throw TensorError(fmt::format("external data location \"{}\" leaves the model's directory", location));
  return fs::path(model_dir.empty() ? "." : model_dir) / relative;
}

std::uint64_t parse_size_field(const std::string& key, const std::string& text) {
  std::uint64_t value = 0;
  const bool digits = !text.empty() && text.size() <= 19 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) throw TensorError(fmt::format("external data {} \"{}\" is not a byte count", key, text));
  for (const char c : text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  return value;
}

// The `expected` bytes of an external-data tensor, read after the file's size has been checked.
std::string read_external(const TensorProto& tensor, const std::string& model_dir, std::uint64_t expected) {
  std::string location;
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") location = entry.value();
    else if (entry.key() == "offset") offset = parse_size_field("offset", entry.value());
    else if (entry.key() == "length") length = parse_size_field("length", entry.value());
  }
  const fs::path path = external_path(location, model_dir);
  if (length && *length != expected)
    throw TensorError(fmt::format("external data length {} bytes disagrees with the shape ({} bytes)", *length,
                                  expected));
  std::error_code error;
  const std::uintmax_t file_size = fs::file_size(path, error);
  if (error)
    throw TensorError(fmt::format("cannot read external data file \"{}\": {}", location, error.message()));
  if (offset > file_size || file_size - offset < expected)
    throw TensorError(fmt::format("external data file \"{}\" has {} bytes, fewer than offset {} + {} bytes", location,
                                  file_size, offset, expected));
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(expected), '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in.read(bytes.data(), static_cast<std::streamsize>(expected)))
    throw TensorError(fmt::format("cannot read external data file \"{}\"", location));
  return bytes;
}

// The little-endian bytes of the tensor's values, from raw_data or an external file, or nullopt
// when the values are in the typed fields.
std::optional<std::string> value_bytes(const TensorProto& tensor, const std::string& model_dir, std::int64_t count) {
  const std::uint64_t expected = static_cast<std::uint64_t>(count) * element_size(tensor.data_type());
  if (tensor.data_location() == TensorProto::EXTERNAL) return read_external(tensor, model_dir, expected);
  if (!tensor.has_raw_data()) return std::nullopt;
  if (tensor.raw_data().size() != expected)
    throw TensorError(fmt::format("raw_data has {} bytes, the shape needs {}", tensor.raw_data().size(), expected));
  return tensor.raw_data();
}

template <class Field>
void check_field_size(const Field& field, std::int64_t count, const char* name) {
  if (static_cast<std::int64_t>(field.size()) != count)
    throw TensorError(fmt::format("{} holds {} values, the shape needs {}", name, field.size(), count));
}

template <class Raw>
Raw load_raw(const std::string& bytes, std::size_t i) {
  Raw value;
  std::memcpy(&value, bytes.data() + i * sizeof(Raw), sizeof(Raw));
  return value;
}

float float_from_bytes(const std::string& bytes, std::size_t i, int data_type) {
  switch (data_type) {
    case TensorProto::FLOAT: return load_raw<float>(bytes, i);
    case TensorProto::DOUBLE: return static_cast<float>(load_raw<double>(bytes, i));
    case TensorProto::FLOAT16: return half_to_float(load_raw<std::uint16_t>(bytes, i));
    default: return bfloat16_to_float(load_raw<std::uint16_t>(bytes, i));
  }
}

// FLOAT16 and BFLOAT16 values travel in int32_data, one 16-bit pattern each.
std::vector<float> floats_from_fields(const TensorProto& tensor, std::int64_t count) {
  std::vector<float> out;
  switch (tensor.data_type()) {
    case TensorProto::FLOAT:
      check_field_size(tensor.float_data(), count, "float_data");
      return {tensor.float_data().begin(), tensor.float_data().end()};
    case TensorProto::DOUBLE:
      check_field_size(tensor.double_data(), count, "double_data");
      for (const double d : tensor.double_data()) out.push_back(static_cast<float>(d));
      return out;
    default:
      check_field_size(tensor.int32_data(), count, "int32_data");
      for (const std::int32_t bits : tensor.int32_data()) {
        const auto half = static_cast<std::uint16_t>(bits);
        out.push_back(tensor.data_type() == TensorProto::FLOAT16 ? half_to_float(half) : bfloat16_to_float(half));
      }
      return out;
  }
}

}  // namespace

std::string data_type_name(int data_type) {
  if (!TensorProto::DataType_IsValid(data_type)) return fmt::format("data type {}", data_type);
  return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(data_type));
}

Shape tensor_shape(const TensorProto& tensor) {
  Shape shape(tensor.dims().begin(), tensor.dims().end());
  if (!checked_numel(shape))
    throw TensorError(fmt::format("shape {} has a negative size or more than 2^40 elements", to_string(shape)));
  return shape;
}

Tensor float_tensor(const TensorProto& tensor, const std::string& model_dir) {
  const int type = tensor.data_type();
  if (type != TensorProto::FLOAT && type != TensorProto::DOUBLE && type != TensorProto::FLOAT16 &&
      type != TensorProto::BFLOAT16)
    throw TensorError(fmt::format("data type {} is not supported; resnetc reads FLOAT, DOUBLE, FLOAT16 and BFLOAT16 "
                                  "tensors",
                                  data_type_name(type)));
  Shape shape = tensor_shape(tensor);
  const std::int64_t count = numel(shape);
  if (auto bytes = value_bytes(tensor, model_dir, count)) {
    std::vector<float> values(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = float_from_bytes(*bytes, i, type);
    return Tensor(std::move(shape), std::move(values));
  }
  return Tensor(std::move(shape), floats_from_fields(tensor, count));
}

std::vector<std::int64_t> integer_values(const TensorProto& tensor, const std::string& model_dir) {
  const int type = tensor.data_type();
  if (type != TensorProto::INT64 && type != TensorProto::INT32)
    throw TensorError(fmt::format("expected an INT64 tensor, found {}", data_type_name(type)));
  const std::int64_t count = numel(tensor_shape(tensor));
  if (auto bytes = value_bytes(tensor, model_dir, count)) {
    std::vector<std::int64_t> values(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < values.size(); ++i)
      values[i] = type == TensorProto::INT64 ? load_raw<std::int64_t>(*bytes, i) : load_raw<std::int32_t>(*bytes, i);
    return values;
  }
  if (type == TensorProto::INT64) {
    check_field_size(tensor.int64_data(), count, "int64_data");
    return {tensor.int64_data().begin(), tensor.int64_data().end()};
  }
  check_field_size(tensor.int32_data(), count, "int32_data");
  return {tensor.int32_data().begin(), tensor.int32_data().end()};
}

TensorProto read_tensor_file(const std::string& path) {
  const std::string bytes = read_text_file(path);
  TensorProto tensor;
  if (!tensor.ParseFromString(bytes))
    throw CompileError(fmt::format("{}: not a serialized ONNX TensorProto (truncated or corrupt)", path));
  return tensor;
}

}  // namespace rnc::onnx_import
