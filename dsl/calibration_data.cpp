#include "dsl/calibration_data.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "dsl/diagnostics.hpp"
#include "runtime/error.hpp"
#include "runtime/file_io.hpp"
#include "runtime/npy.hpp"
#include "runtime/pnm.hpp"

namespace rnc {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNpyMagic{"\x93NUMPY", 6};
constexpr std::string_view kFewer = "a few hundred representative images are enough";
// Headers are not image data: a file this much larger than the byte budget left may still fit.
constexpr std::uint64_t kHeaderSlack = 64 << 10;

[[noreturn]] void fail(const std::string& message) { throw CompileError(message); }

// What every image must be: the network input's [C, H, W].
struct ImageShape {
  std::int64_t c, h, w;
  std::size_t numel() const { return static_cast<std::size_t>(c * h * w); }
  std::string chw() const { return fmt::format("{},{},{}", c, h, w); }
};

std::string byte_amount(std::uint64_t bytes) {
  if (bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

// Runs a runtime reader; its errors already start with the file's path.
template <class Read>
auto run_reader(const std::string& file, Read read) {
  try {
    return read();
  } catch (const rt::Error& e) {
    const std::string what = e.what();
    fail(what.starts_with(file) ? what : file + ": " + what);
  }
}

// The images read so far, one flat CHW vector each, within the limits.
class Collector {
 public:
  Collector(const std::string& root, const CalibrationLimits& limits) : root_(root), limits_(limits) {}

  // Before reading `file`: refuses it when its size alone exceeds what is left of the budget.
  void check_room(const std::string& file, std::uint64_t file_size) const {
    if (file_size - std::min(file_size, kHeaderSlack) > limits_.max_bytes - bytes_) fail_bytes(file);
  }

  void add(std::span<const float> image, const std::string& file) {
    if (images_.size() >= limits_.max_images) {
      fail(fmt::format("{}: more than {} calibration images (reached in {}); pass fewer: {}", root_, limits_.max_images,
                       file, kFewer));
    }
    const std::uint64_t size = image.size() * sizeof(float);
    if (size > limits_.max_bytes - bytes_) fail_bytes(file);
    bytes_ += size;
    images_.emplace_back(image.begin(), image.end());
  }

  std::vector<std::vector<float>>& images() { return images_; }

 private:
  [[noreturn]] void fail_bytes(const std::string& file) const {
    fail(
        fmt::format("{}: the calibration images exceed the limit of {} of float32 data (reached in {}); "
                    "pass fewer images: {}",
                    root_, byte_amount(limits_.max_bytes), file, kFewer));
  }

  const std::string& root_;
  const CalibrationLimits& limits_;
  std::uint64_t bytes_ = 0;
  std::vector<std::vector<float>> images_;
};

ImageShape image_shape(const std::string& path, const Shape& input_shape) {
  const bool ok = input_shape.size() == 4 &&
                  std::all_of(input_shape.begin(), input_shape.end(), [](std::int64_t d) { return d > 0; });
  if (!ok) {
    fail(fmt::format("{}: calibration images need a network input of shape [N,C,H,W]; this network's is {}", path,
                     to_string(input_shape)));
  }
  return {input_shape[1], input_shape[2], input_shape[3]};
}

std::string lower_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_image_file(const fs::directory_entry& entry) {
  std::error_code ec;
  if (!entry.is_regular_file(ec)) return false;
  const std::string ext = lower_extension(entry.path());
  return ext == ".npy" || ext == ".pgm" || ext == ".ppm";
}

// The usable files of `dir`, sorted by name; at least one.
std::vector<std::string> list_images(const std::string& dir) {
  std::vector<std::string> files;
  std::size_t others = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_image_file(*it)) files.push_back(it->path().string());
    else ++others;
  }
  if (ec) fail(fmt::format("{}: cannot list the directory: {}", dir, ec.message()));
  if (files.empty()) {
    fail(
        fmt::format("{}: no .npy, .pgm or .ppm file in the directory ({} other entries ignored); expected "
                    "calibration images",
                    dir, others));
  }
  std::sort(files.begin(), files.end());
  return files;
}

const char* non_finite_name(float v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+inf" : "-inf";
}

// Refuses the first NaN or infinity of the [K, C, H, W] data, naming image and element.
void check_finite(const std::string& file, std::span<const float> data, const ImageShape& shape) {
  const auto bad = std::find_if(data.begin(), data.end(), [](float v) { return !std::isfinite(v); });
  if (bad == data.end()) return;
  const auto flat = static_cast<std::size_t>(bad - data.begin());
  const std::size_t image = flat / shape.numel(), element = flat % shape.numel();
  const auto hw = static_cast<std::size_t>(shape.h * shape.w), w = static_cast<std::size_t>(shape.w);
  fail(
      fmt::format("{}: image {} (counting from 0) holds {} at flat element {} (channel {}, row {}, column {}); "
                  "calibration images must be finite",
                  file, image, non_finite_name(*bad), element, element / hw, element % hw / w, element % w));
}

// The image count of an array of shape [K, C, H, W] or [C, H, W]; refuses any other shape and K = 0.
std::size_t npy_image_count(const std::string& file, const Shape& shape, const ImageShape& want) {
  const Shape chw{want.c, want.h, want.w};
  const bool rank3 = shape == chw;
  const bool rank4 = shape.size() == 4 && Shape(shape.begin() + 1, shape.end()) == chw;
  if (!rank3 && !rank4) {
    fail(fmt::format("{}: the array has shape {}, the network input needs [K,{}] (K >= 1 images) or [{}] (one image)",
                     file, to_string(shape), want.chw(), want.chw()));
  }
  if (rank4 && shape[0] == 0) {
    fail(fmt::format("{}: the array has shape {}: it holds no images; expected [K,{}] with K >= 1", file,
                     to_string(shape), want.chw()));
  }
  return rank3 ? 1 : static_cast<std::size_t>(shape[0]);
}

void read_npy_images(const std::string& file, const ImageShape& want, Collector& out) {
  const Tensor array = run_reader(file, [&] { return rt::read_npy(file); });
  const std::size_t count = npy_image_count(file, array.shape, want);
  check_finite(file, array.data, want);
  const std::span<const float> data(array.data);
  for (std::size_t k = 0; k < count; ++k) out.add(data.subspan(k * want.numel(), want.numel()), file);
}

void check_image_channels(const std::string& file, int channels, const ImageShape& want) {
  if (channels == want.c) return;
  const bool pgm = channels == 1;
  if (want.c == 1 || want.c == 3) {
    fail(fmt::format("{}: a {} image has {} channel{}, the network input has {} (pass {} images or a .npy)", file,
                     pgm ? "PGM" : "PPM", channels, pgm ? "" : "s", want.c, pgm ? "PPM" : "PGM"));
  }
  fail(fmt::format("{}: the network input has {} channels, a {} image has {}; pass a .npy", file, want.c,
                   pgm ? "PGM" : "PPM", pgm ? "1" : "3"));
}

void read_pnm_image(const std::string& file, const ImageShape& want, Collector& out) {
  const rt::Image image = run_reader(file, [&] { return rt::read_pnm(file); });
  check_image_channels(file, image.channels, want);
  if (image.height != want.h || image.width != want.w) {
    fail(fmt::format("{}: image is {}x{} (height x width), the network input needs {}x{}", file, image.height,
                     image.width, want.h, want.w));
  }
  out.add(image.data, file);
}

// One file, whose format comes from its magic bytes (a file too short or unrecognized goes by its
// extension, so the matching reader explains what is wrong).
void read_image_file(const std::string& file, const ImageShape& want, Collector& out) {
  std::error_code ec;
  const std::uint64_t size = fs::file_size(file, ec);
  if (ec) fail(fmt::format("{}: cannot read: {}", file, ec.message()));
  out.check_room(file, size);
  const std::string magic = run_reader(file, [&] { return rt::read_prefix(file, kNpyMagic.size()); });
  const std::string ext = lower_extension(file);
  const bool pnm = magic != kNpyMagic && (magic.starts_with('P') || ext == ".pgm" || ext == ".ppm");
  if (pnm) read_pnm_image(file, want, out);
  else read_npy_images(file, want, out);
}

// Moves the images into tensors of the network input's shape, N consecutive images each.
std::vector<Tensor> to_batches(std::vector<std::vector<float>>& images, const Shape& input_shape,
                               const std::string& path) {
  const auto n = static_cast<std::size_t>(input_shape[0]);
  if (images.size() % n != 0) {
    fail(
        fmt::format("{}: {} calibration images do not fill whole batches of {} (the network input is {}); pass a "
                    "multiple of {} images",
                    path, images.size(), n, to_string(input_shape), n));
  }
  std::vector<Tensor> batches;
  batches.reserve(images.size() / n);
  for (std::size_t first = 0; first < images.size(); first += n) {
    std::vector<float> data = std::move(images[first]);
    for (std::size_t i = first + 1; i < first + n; ++i) {
      data.insert(data.end(), images[i].begin(), images[i].end());
      std::vector<float>().swap(images[i]);
    }
    batches.emplace_back(input_shape, std::move(data));
  }
  return batches;
}

}  // namespace

std::vector<Tensor> read_calibration_images(const std::string& path, const Shape& input_shape,
                                            const CalibrationLimits& limits) {
  const ImageShape want = image_shape(path, input_shape);
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) {
    fail(
        fmt::format("{}: no such file or directory; expected a float32 .npy of calibration images or a directory "
                    "of .npy/.pgm/.ppm files",
                    path));
  }
  Collector images(path, limits);
  if (fs::is_directory(status)) {
    for (const std::string& file : list_images(path)) read_image_file(file, want, images);
  } else if (fs::is_regular_file(status)) {
    read_image_file(path, want, images);
  } else {
    fail(
        fmt::format("{}: not a regular file or directory; expected a float32 .npy of calibration images or a "
                    "directory of .npy/.pgm/.ppm files",
                    path));
  }
  return to_batches(images.images(), input_shape, path);
}

}  // namespace rnc
