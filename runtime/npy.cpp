#include "npy.hpp"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "error.hpp"
#include "file_io.hpp"

namespace rnc::rt {

static_assert(std::endian::native == std::endian::little, "'<f4' data is copied as is");

namespace {

constexpr std::string_view kMagic{"\x93NUMPY", 6};

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

// Parses the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }
// Only what np.save writes is accepted: exactly these three keys, in any order.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  NpyHeader parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran_order;
    std::optional<std::vector<std::int64_t>> shape;
    expect('{');
    while (!accept('}')) {
      const std::size_t key_pos = (skip_space(), pos_);
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        set_once(descr, parse_string(), key, key_pos);
      } else if (key == "fortran_order") {
        set_once(fortran_order, parse_bool(), key, key_pos);
      } else if (key == "shape") {
        set_once(shape, parse_shape(), key, key_pos);
      } else {
        fail("unexpected key '" + key + "'; expected 'descr', 'fortran_order' and 'shape'", key_pos);
      }
      if (!accept(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'", pos_);
    if (!descr) fail("missing key 'descr'", pos_);
    if (!fortran_order) fail("missing key 'fortran_order'", pos_);
    if (!shape) fail("missing key 'shape'", pos_);
    return {*descr, *fortran_order, *shape};
  }

 private:
  template <class T>
  void set_once(std::optional<T>& field, T value, const std::string& key, std::size_t key_pos) {
    if (field) fail("duplicate key '" + key + "'", key_pos);
    field = std::move(value);
  }

  void skip_space() {
    while (pos_ < text_.size() && std::strchr(" \t\r\n", text_[pos_]) != nullptr) ++pos_;
  }

  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'", pos_);
  }

  bool accept_word(std::string_view word) {
    skip_space();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::string parse_string() {
    skip_space();
    const char quote = pos_ < text_.size() ? text_[pos_] : '\0';
    if (quote != '\'' && quote != '"') fail("expected a quoted string", pos_);
    const std::size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string", pos_);
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }

  bool parse_bool() {
    if (accept_word("True")) return true;
    if (accept_word("False")) return false;
    fail("expected True or False", pos_);
  }

  // "()", "(3,)", "(1, 3, 224, 224)"; a trailing comma is optional.
  std::vector<std::int64_t> parse_shape() {
    std::vector<std::int64_t> dims;
    expect('(');
    while (!accept(')')) {
      dims.push_back(parse_int());
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return dims;
  }

  // Signed, so that a negative dim reaches element_count() and gets its own message.
  std::int64_t parse_int() {
    skip_space();
    const std::size_t start = pos_;
    const bool negative = accept('-');
    std::uint64_t value = 0;
    bool any_digit = false;
    for (; pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; ++pos_) {
      value = value * 10 + static_cast<std::uint64_t>(text_[pos_] - '0');
      if (value > static_cast<std::uint64_t>(INT64_MAX)) fail("shape dimension too large", start);
      any_digit = true;
    }
    if (!any_digit) fail("expected an integer in 'shape'", start);
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs
    return negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
  }

  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    std::string_view shown = text_.substr(0, 120);
    while (!shown.empty() && std::strchr(" \n", shown.back()) != nullptr) shown.remove_suffix(1);
    throw Error(path_ + ": malformed .npy header: " + what + " at offset " + std::to_string(at) + " in \"" +
                std::string(shown) + (text_.size() > 120 ? "...\"" : "\""));
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

// Bytes as text with non-printable ones escaped, for "found ..." in messages.
std::string printable(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    }
  }
  return out;
}

std::uint32_t read_le(const unsigned char* p, int bytes) {
  std::uint32_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = value << 8 | p[i];
  return value;
}

// Validates magic, version and header length; returns the header text and the data offset.
std::pair<std::string_view, std::size_t> locate_header(const FileBytes& file, const std::string& path) {
  const std::string_view bytes(reinterpret_cast<const char*>(file.data.get()), file.size);
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    throw Error(path + ": not a .npy file: expected magic \\x93NUMPY, found '" +
                printable(bytes.substr(0, kMagic.size())) + "'");
  }
  if (file.size < kMagic.size() + 2) throw Error(path + ": truncated: the .npy version is missing");
  const int major = file.data[6], minor = file.data[7];
  if (major < 1 || major > 3 || minor != 0) {
    throw Error(path + ": unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor) +
                "; expected 1.0, 2.0 or 3.0");
  }
  const int length_bytes = major == 1 ? 2 : 4;
  const std::size_t prefix = kMagic.size() + 2 + static_cast<std::size_t>(length_bytes);
  if (file.size < prefix) throw Error(path + ": truncated: the .npy header length is missing");
  const std::size_t header_length = read_le(file.data.get() + 8, length_bytes);
  if (header_length > file.size - prefix) {
    throw Error(path + ": header length " + std::to_string(header_length) + " runs past the end of the file (" +
                std::to_string(file.size) + " bytes)");
  }
  return {bytes.substr(prefix, header_length), prefix + header_length};
}

void check_data_length(std::size_t expected, std::size_t found, const std::string& path,
                       const std::vector<std::int64_t>& shape) {
  const std::string needed = std::to_string(expected) + " data bytes for shape " + shape_string(shape);
  if (found < expected) {
    throw Error(path + ": truncated: expected " + needed + ", found " + std::to_string(found));
  }
  if (found > expected) {
    throw Error(path + ": " + std::to_string(found - expected) + " unexpected bytes after the data (expected " +
                needed + ")");
  }
}

// np.save's layout: the dict, padded with spaces to a 64-byte boundary, ending in '\n'.
std::string make_header(const std::vector<std::int64_t>& shape, const std::string& path) {
  std::string dims;
  for (const std::int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  if (shape.size() == 1) dims += ",";
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t unpadded = kMagic.size() + 4 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  if (dict.size() > 0xffff) {
    throw Error(path + ": shape " + shape_string(shape) + " has too many dimensions");
  }
  std::string header(kMagic);
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>(dict.size() >> 8);
  return header + dict;
}

}  // namespace

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::size_t element_count(const std::vector<std::int64_t>& shape, const std::string& where) {
  // Bounded so that the byte size of a float vector of this many elements still fits.
  constexpr auto kLimit = static_cast<std::uint64_t>(PTRDIFF_MAX) / sizeof(float);
  std::uint64_t count = 1;
  for (const std::int64_t d : shape) {
    if (d < 0) throw Error(where + ": shape " + shape_string(shape) + " has a negative dimension");
  }
  for (const std::int64_t d : shape) {
    const auto dim = static_cast<std::uint64_t>(d);
    if (dim == 0) return 0;
    if (count > kLimit / dim) {
      throw Error(where + ": shape " + shape_string(shape) + " is too large");
    }
    count *= dim;
  }
  return static_cast<std::size_t>(count);
}

Tensor read_npy(const std::string& path) {
  const FileBytes file = read_file(path);
  const auto [header_text, data_offset] = locate_header(file, path);
  const NpyHeader header = HeaderParser(header_text, path).parse();
  if (header.descr != "<f4") {
    throw Error(path + ": dtype '" + header.descr + "' is not supported; expected float32 ('<f4')");
  }
  if (header.fortran_order) {
    throw Error(path +
                ": fortran_order is True; only C-order arrays are supported "
                "(save np.ascontiguousarray(a))");
  }
  // Length first: a forged shape must not make us allocate terabytes.
  const std::size_t count = element_count(header.shape, path);
  check_data_length(count * sizeof(float), file.size - data_offset, path, header.shape);
  Tensor tensor{header.shape, std::vector<float>(count)};
  if (count != 0) {
    std::memcpy(tensor.data.data(), file.data.get() + data_offset, count * sizeof(float));
  }
  return tensor;
}

void write_npy(const std::string& path, const float* data, const std::vector<std::int64_t>& shape) {
  const std::size_t count = element_count(shape, path);
  const std::string header = make_header(shape, path);
  write_file_atomic(path, {{header.data(), header.size()}, {data, count * sizeof(float)}});
}

}  // namespace rnc::rt
