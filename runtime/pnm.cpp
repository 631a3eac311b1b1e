#include "pnm.hpp"

#include <cstddef>
#include <string_view>

#include "error.hpp"
#include "file_io.hpp"

namespace rnc::rt {

namespace {

constexpr long kMaxSide = 1L << 15;

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Walks the header: magic, width, height, maxval, separated by whitespace and '#' comments.
class HeaderReader {
 public:
  HeaderReader(const FileBytes& file, const std::string& path) : file_(file), path_(path) {}

  // Returns the channel count for P5/P6.
  int read_magic() {
    const std::string_view magic(reinterpret_cast<const char*>(file_.data.get()), file_.size < 2 ? file_.size : 2);
    pos_ = 2;
    if (magic == "P5") return 1;
    if (magic == "P6") return 3;
    if (magic == "P2" || magic == "P3") {
      throw Error(path_ + ": ASCII PNM ('" + std::string(magic) +
                  "') is not supported; expected binary PGM ('P5') or PPM ('P6')");
    }
    throw Error(path_ + ": not a PGM/PPM image: expected magic 'P5' or 'P6'");
  }

  // A decimal field in [1, max]; `field` names it in messages.
  long read_number(const char* field, long max) {
    skip_space_and_comments();
    long value = 0;
    const std::size_t start = pos_;
    for (; pos_ < file_.size && file_.data[pos_] >= '0' && file_.data[pos_] <= '9'; ++pos_) {
      value = value * 10 + (file_.data[pos_] - '0');
      if (value > 1L << 30) break;  // far beyond any valid field; stop before overflow
    }
    if (pos_ == start) {
      throw Error(path_ + ": malformed header: expected the " + field + " (a positive integer) at byte " +
                  std::to_string(pos_) + (pos_ >= file_.size ? ", found the end of the file" : ""));
    }
    if (value < 1 || value > max) {
      throw Error(path_ + ": " + field + " " + std::to_string(value) + " is out of range; expected 1.." +
                  std::to_string(max));
    }
    return value;
  }

  // The raster starts after exactly one whitespace byte following maxval.
  std::size_t raster_offset() {
    if (pos_ >= file_.size || !is_space(file_.data[pos_])) {
      throw Error(path_ + ": malformed header: expected one whitespace byte after maxval at byte " +
                  std::to_string(pos_));
    }
    return pos_ + 1;
  }

 private:
  void skip_space_and_comments() {
    while (pos_ < file_.size) {
      if (file_.data[pos_] == '#') {
        while (pos_ < file_.size && file_.data[pos_] != '\n') ++pos_;
      } else if (is_space(file_.data[pos_])) {
        ++pos_;
      } else {
        return;
      }
    }
  }

  const FileBytes& file_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

}  // namespace

Image read_pnm(const std::string& path) {
  const FileBytes file = read_file(path);
  HeaderReader header(file, path);
  Image image{};
  image.channels = header.read_magic();
  image.width = static_cast<int>(header.read_number("width", kMaxSide));
  image.height = static_cast<int>(header.read_number("height", kMaxSide));
  const long maxval = header.read_number("maxval", 65535);
  if (maxval > 255) {
    throw Error(path + ": maxval " + std::to_string(maxval) +
                " means 16-bit samples, which are not supported; expected maxval 1..255");
  }
  const std::size_t offset = header.raster_offset();
  const std::size_t pixels = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  const std::size_t needed = pixels * static_cast<std::size_t>(image.channels);
  if (file.size - offset < needed) {
    throw Error(path + ": truncated: expected " + std::to_string(needed) + " pixel bytes, found " +
                std::to_string(file.size - offset));
  }
  // Interleaved (RGBRGB...) on disk, planar (RR..GG..BB..) in the Image.
  image.data.resize(needed);
  const unsigned char* raster = file.data.get() + offset;
  const std::size_t width = static_cast<std::size_t>(image.width);
  for (std::size_t i = 0; i < pixels; ++i) {
    for (std::size_t c = 0; c < static_cast<std::size_t>(image.channels); ++c) {
      const unsigned char sample = raster[i * static_cast<std::size_t>(image.channels) + c];
      if (sample > maxval) {
        throw Error(path + ": sample " + std::to_string(sample) + " at pixel (x " + std::to_string(i % width) + ", y " +
                    std::to_string(i / width) + ") exceeds maxval " + std::to_string(maxval));
      }
      image.data[c * pixels + i] = static_cast<float>(sample) / static_cast<float>(maxval);
    }
  }
  return image;
}

}  // namespace rnc::rt
