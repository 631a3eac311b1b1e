// Unit tests for dsl/calibration_data.cpp (reading the int8 calibration images: .npy files, PGM/PPM
// images and directories of them, every refusal asserted by its message) and codegen/calibration.cpp
// (RangeStats: exact re-binning, and the minmax / percentile / entropy thresholds on known
// distributions and degenerate tensors).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "codegen/calibration.hpp"
#include "dsl/calibration_data.hpp"
#include "dsl/diagnostics.hpp"
#include "runtime/npy.hpp"
#include "tests/support/files.hpp"

namespace {

namespace fs = std::filesystem;
using rnc::CalibrationMethod;
using rnc::RangeStats;
using rnc::Shape;
using rnc::Tensor;
using rnc::test::TempDir;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// 0, 1, 2, ... (+ offset): each image distinguishable from every other.
std::vector<float> ramp(std::size_t count, float offset = 0) {
  std::vector<float> v(count);
  std::iota(v.begin(), v.end(), offset);
  return v;
}

void write_npy(const std::string& path, const Shape& shape, const std::vector<float>& data) {
  rnc::rt::write_npy(path, data.data(), shape);
}

// A v1.0 .npy with any descr and raw data: for dtypes the writer does not produce.
std::string npy_bytes(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  dict.append(63 - (10 + dict.size()) % 64, ' ');
  dict += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(dict.size()) + '\0' + dict + data;
}

// Binary PGM (1 channel) or PPM (3 channels) with samples `pixels` (interleaved for PPM).
std::string pnm_bytes(int channels, int height, int width, const std::vector<unsigned char>& pixels) {
  const std::string header =
      (channels == 1 ? "P5\n" : "P6\n") + std::to_string(width) + " " + std::to_string(height) + "\n255\n";
  return header + std::string(pixels.begin(), pixels.end());
}

std::string read_error(const std::string& path, const Shape& input, const rnc::CalibrationLimits& limits = {}) {
  try {
    rnc::read_calibration_images(path, input, limits);
  } catch (const rnc::CompileError& e) {
    return e.what();
  }
  return "(no error)";
}

void check_message(const std::string& message, const std::string& starts, const std::vector<std::string>& pieces) {
  INFO("message: " << message);
  CHECK(message.starts_with(starts + ": "));
  for (const std::string& piece : pieces) {
    INFO("expected piece: " << piece);
    CHECK(message.find(piece) != std::string::npos);
  }
}

const Shape kGray{1, 1, 4, 3};  // network inputs used below
const Shape kColor{1, 3, 4, 3};

}  // namespace

// --- reading images ------------------------------------------------------------------------------

TEST_CASE("calibration images: an .npy of K images comes back as K [1,C,H,W] tensors, in order") {
  TempDir dir;
  const std::vector<float> data = ramp(3 * 12, 0.5f);
  write_npy(dir.file("calib.npy"), {3, 1, 4, 3}, data);
  const std::vector<Tensor> images = rnc::read_calibration_images(dir.file("calib.npy"), kGray);
  REQUIRE(images.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(images[k].shape == kGray);
    CHECK(images[k].data == std::vector<float>(data.begin() + 12 * k, data.begin() + 12 * (k + 1)));
  }
}

TEST_CASE("calibration images: one [C,H,W] .npy, one PGM and one PPM file are one image each") {
  TempDir dir;
  write_npy(dir.file("one.npy"), {1, 4, 3}, ramp(12));
  CHECK(rnc::read_calibration_images(dir.file("one.npy"), kGray).at(0).data == ramp(12));

  std::vector<unsigned char> gray(12);
  std::iota(gray.begin(), gray.end(), 0);
  write_bytes(dir.file("g.pgm"), pnm_bytes(1, 4, 3, gray));
  const std::vector<Tensor> g = rnc::read_calibration_images(dir.file("g.pgm"), kGray);
  REQUIRE(g.size() == 1);
  CHECK(g[0].shape == kGray);
  CHECK(g[0].data[5] == doctest::Approx(5.0 / 255));

  // Interleaved RGB on disk, planar in the tensor; samples / 255 like the generated programs.
  std::vector<unsigned char> rgb(36);
  for (std::size_t i = 0; i < 12; ++i) rgb[3 * i] = 10, rgb[3 * i + 1] = 20, rgb[3 * i + 2] = 255;
  write_bytes(dir.file("c.ppm"), pnm_bytes(3, 4, 3, rgb));
  const Tensor c = rnc::read_calibration_images(dir.file("c.ppm"), kColor).at(0);
  CHECK(c.shape == kColor);
  CHECK(c.at4(0, 0, 1, 2) == doctest::Approx(10.0 / 255));
  CHECK(c.at4(0, 1, 3, 0) == doctest::Approx(20.0 / 255));
  CHECK(c.at4(0, 2, 0, 0) == 1.0f);
}

TEST_CASE("calibration images: a batch-N network gets batches of N consecutive images; K % N != 0 is refused") {
  TempDir dir;
  const Shape batch2{2, 1, 4, 3};
  const std::vector<float> data = ramp(4 * 12);
  write_npy(dir.file("four.npy"), {4, 1, 4, 3}, data);
  const std::vector<Tensor> batches = rnc::read_calibration_images(dir.file("four.npy"), batch2);
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].shape == batch2);
  CHECK(batches[0].data == std::vector<float>(data.begin(), data.begin() + 24));
  CHECK(batches[1].data == std::vector<float>(data.begin() + 24, data.end()));

  write_npy(dir.file("three.npy"), {3, 1, 4, 3}, ramp(3 * 12));
  check_message(read_error(dir.file("three.npy"), batch2), dir.file("three.npy"),
                {"3 calibration images do not fill whole batches of 2", "[2,1,4,3]", "pass a multiple of 2 images"});
}

TEST_CASE("calibration images: a directory is read in name order; other files and subdirectories are ignored") {
  TempDir dir;
  // Images 0 (a.pgm), 1 and 2 (b.npy), 3 (c.NPY: any case).
  write_bytes(dir.file("a.pgm"), pnm_bytes(1, 4, 3, std::vector<unsigned char>(12, 51)));
  write_npy(dir.file("b.npy"), {2, 1, 4, 3}, ramp(24, 100));
  write_npy(dir.file("c.NPY"), {1, 4, 3}, ramp(12, 200));
  write_bytes(dir.file("README.txt"), "not an image");
  write_bytes(dir.file("d.npy.bak"), "not an image either");
  fs::create_directory(dir.file("e.npy"));  // a directory, whatever its name
  write_npy(dir.file("e.npy") + "/inner.npy", {1, 4, 3}, ramp(12));

  const std::vector<Tensor> images = rnc::read_calibration_images(dir.path().string(), kGray);
  REQUIRE(images.size() == 4);
  CHECK(images[0].data == std::vector<float>(12, 0.2f));
  CHECK(images[1].data.front() == 100);
  CHECK(images[2].data.front() == 112);
  CHECK(images[3].data.front() == 200);
}

TEST_CASE("calibration images: missing, unreadable and non-regular paths") {
  TempDir dir;
  check_message(read_error(dir.file("nope.npy"), kGray), dir.file("nope.npy"),
                {"no such file or directory", "expected a float32 .npy", "directory of .npy/.pgm/.ppm"});
  check_message(read_error("/dev/null", kGray), "/dev/null", {"not a regular file or directory"});

  write_npy(dir.file("locked.npy"), {1, 4, 3}, ramp(12));
  ::chmod(dir.file("locked.npy").c_str(), 0);
  if (std::ifstream(dir.file("locked.npy")).good()) {
    MESSAGE("running with permission to read a mode-0 file (root): the unreadable case is not observable");
  } else {
    check_message(read_error(dir.file("locked.npy"), kGray), dir.file("locked.npy"), {"cannot read"});
  }
}

TEST_CASE("calibration images: corrupt .npy and PNM files report the runtime readers' errors with the path") {
  TempDir dir;
  write_bytes(dir.file("magic.npy"), "NOTNUMPY and more bytes");
  check_message(read_error(dir.file("magic.npy"), kGray), dir.file("magic.npy"), {"not a .npy file", "magic"});

  write_bytes(dir.file("short.npy"), npy_bytes("<f4", "(1, 4, 3)", std::string(20, '\0')));
  check_message(read_error(dir.file("short.npy"), kGray), dir.file("short.npy"),
                {"truncated", "48 data bytes", "found 20"});

  write_bytes(dir.file("short.ppm"), pnm_bytes(3, 4, 3, std::vector<unsigned char>(10)));
  check_message(read_error(dir.file("short.ppm"), kColor), dir.file("short.ppm"),
                {"truncated", "36 pixel bytes", "found 10"});

  write_bytes(dir.file("ascii.pgm"), "P2\n3 4\n255\n0 0 0");
  check_message(read_error(dir.file("ascii.pgm"), kGray), dir.file("ascii.pgm"), {"ASCII PNM", "P5"});

  write_bytes(dir.file("empty.npy"), "");
  check_message(read_error(dir.file("empty.npy"), kGray), dir.file("empty.npy"), {"not a .npy file"});

  // In a directory, the file at fault is named, not the directory.
  TempDir set;
  write_npy(set.file("a.npy"), {1, 4, 3}, ramp(12));
  write_bytes(set.file("b.pgm"), "P5\n3 4\n0\n");
  check_message(read_error(set.path().string(), kGray), set.file("b.pgm"), {"maxval 0 is out of range"});
}

TEST_CASE("calibration images: only float32 .npy") {
  TempDir dir;
  write_bytes(dir.file("f8.npy"), npy_bytes("<f8", "(1, 1, 4, 3)", std::string(96, '\0')));
  check_message(read_error(dir.file("f8.npy"), kGray), dir.file("f8.npy"), {"'<f8'", "float32 ('<f4')"});
}

TEST_CASE("calibration images: wrong shapes say the shape found and the shape needed") {
  TempDir dir;
  write_npy(dir.file("calib.npy"), {5, 3, 4, 3}, ramp(5 * 36));
  check_message(read_error(dir.file("calib.npy"), kGray), dir.file("calib.npy"),
                {"the array has shape [5,3,4,3], the network input needs [K,1,4,3] (K >= 1 images) or [1,4,3]"});
  write_npy(dir.file("flat.npy"), {12}, ramp(12));
  check_message(read_error(dir.file("flat.npy"), kGray), dir.file("flat.npy"), {"shape [12]", "[K,1,4,3]"});
  write_npy(dir.file("rank5.npy"), {1, 1, 1, 4, 3}, ramp(12));
  check_message(read_error(dir.file("rank5.npy"), kGray), dir.file("rank5.npy"), {"shape [1,1,1,4,3]"});

  write_bytes(dir.file("wide.pgm"), pnm_bytes(1, 4, 4, std::vector<unsigned char>(16)));
  check_message(read_error(dir.file("wide.pgm"), kGray), dir.file("wide.pgm"),
                {"image is 4x4 (height x width), the network input needs 4x3"});

  check_message(read_error(dir.file("calib.npy"), {1, 12}), dir.file("calib.npy"),
                {"need a network input of shape [N,C,H,W]", "this network's is [1,12]"});
}

TEST_CASE("calibration images: PGM for a 3-channel input, PPM for a 1-channel one, any image for 4 channels") {
  TempDir dir;
  write_bytes(dir.file("g.pgm"), pnm_bytes(1, 4, 3, std::vector<unsigned char>(12)));
  write_bytes(dir.file("c.ppm"), pnm_bytes(3, 4, 3, std::vector<unsigned char>(36)));
  check_message(read_error(dir.file("g.pgm"), kColor), dir.file("g.pgm"),
                {"a PGM image has 1 channel, the network input has 3", "pass PPM images or a .npy"});
  check_message(read_error(dir.file("c.ppm"), kGray), dir.file("c.ppm"),
                {"a PPM image has 3 channels, the network input has 1", "pass PGM images or a .npy"});
  check_message(read_error(dir.file("c.ppm"), {1, 4, 4, 3}), dir.file("c.ppm"),
                {"the network input has 4 channels", "pass a .npy"});
}

TEST_CASE("calibration images: zero images, in a file or a directory") {
  TempDir dir;
  write_npy(dir.file("none.npy"), {0, 1, 4, 3}, {});
  check_message(read_error(dir.file("none.npy"), kGray), dir.file("none.npy"),
                {"shape [0,1,4,3]", "holds no images", "K >= 1"});

  TempDir empty;
  check_message(read_error(empty.path().string(), kGray), empty.path().string(),
                {"no .npy, .pgm or .ppm file in the directory", "0 other entries ignored"});
  write_bytes(empty.file("notes.txt"), "x");
  fs::create_directory(empty.file("sub.npy"));
  check_message(read_error(empty.path().string(), kGray), empty.path().string(),
                {"no .npy, .pgm or .ppm file", "2 other entries ignored"});
}

TEST_CASE("calibration images: NaN and infinities name the image and the element") {
  TempDir dir;
  std::vector<float> data = ramp(3 * 12);
  data[2 * 12 + 7] = std::numeric_limits<float>::quiet_NaN();  // image 2, channel 0, row 2, column 1
  write_npy(dir.file("nan.npy"), {3, 1, 4, 3}, data);
  check_message(read_error(dir.file("nan.npy"), kGray), dir.file("nan.npy"),
                {"image 2 (counting from 0) holds NaN at flat element 7 (channel 0, row 2, column 1)", "finite"});

  std::vector<float> color = ramp(2 * 36);
  color[36 + 12 + 5] = -std::numeric_limits<float>::infinity();  // image 1, channel 1, row 1, column 2
  write_npy(dir.file("inf.npy"), {2, 3, 4, 3}, color);
  check_message(read_error(dir.file("inf.npy"), kColor), dir.file("inf.npy"),
                {"image 1 (counting from 0) holds -inf at flat element 17 (channel 1, row 1, column 2)"});
}

TEST_CASE("calibration images: more images or bytes than the limits allow are refused with how to pass fewer") {
  TempDir dir;
  write_npy(dir.file("many.npy"), {4097, 1, 1, 1}, ramp(4097));
  check_message(read_error(dir.file("many.npy"), {1, 1, 1, 1}), dir.file("many.npy"),
                {"more than 4096 calibration images", "pass fewer", "a few hundred"});
  CHECK(rnc::read_calibration_images(dir.file("many.npy"), {1, 1, 1, 1}, {.max_images = 5000}).size() == 4097);

  // 3 images of 48 bytes: a 100-byte budget takes two (checked image by image, with the file's
  // size checked before reading it).
  write_npy(dir.file("three.npy"), {3, 1, 4, 3}, ramp(36));
  check_message(read_error(dir.file("three.npy"), kGray, {.max_bytes = 100}), dir.file("three.npy"),
                {"exceed the limit of 100 bytes of float32 data", "pass fewer images"});
  write_npy(dir.file("big.npy"), {30000, 1, 4, 3}, ramp(360000));  // 1.4 MB: refused before reading
  check_message(read_error(dir.file("big.npy"), kGray, {.max_images = 100000, .max_bytes = 1 << 20}),
                dir.file("big.npy"), {"exceed the limit of 1 MiB"});

  TempDir set;
  for (const char* name : {"a.npy", "b.npy", "c.npy"}) write_npy(set.file(name), {1, 4, 3}, ramp(12));
  check_message(read_error(set.path().string(), kGray, {.max_images = 2}), set.path().string(),
                {"more than 2 calibration images (reached in " + set.file("c.npy") + ")"});
}

// --- methods and RangeStats ----------------------------------------------------------------------

TEST_CASE("calibration methods: names round-trip; anything else is not a method") {
  for (const auto m : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    CHECK(rnc::parse_calibration_method(rnc::name(m)) == m);
  }
  CHECK(rnc::name(CalibrationMethod::kMinMax) == "minmax");
  CHECK(rnc::name(CalibrationMethod::kPercentile) == "percentile");
  CHECK(rnc::name(CalibrationMethod::kEntropy) == "entropy");
  CHECK_FALSE(rnc::parse_calibration_method("MinMax").has_value());
  CHECK_FALSE(rnc::parse_calibration_method("").has_value());
  CHECK_FALSE(rnc::parse_calibration_method("kl").has_value());
}

namespace {

// `batches` batches of `size` values from `draw`, added one batch at a time.
template <class Draw>
RangeStats accumulate(int batches, std::size_t size, Draw draw) {
  RangeStats stats;
  std::vector<float> batch(size);
  for (int b = 0; b < batches; ++b) {
    for (float& v : batch) v = draw();
    stats.add(batch);
  }
  return stats;
}

std::uint64_t sum(const std::vector<std::uint64_t>& h, std::size_t begin, std::size_t end) {
  return std::accumulate(h.begin() + static_cast<std::ptrdiff_t>(begin), h.begin() + static_cast<std::ptrdiff_t>(end),
                         std::uint64_t{0});
}

}  // namespace

TEST_CASE("calibration RangeStats: uniform [0, 1): minmax ~1, percentile ~0.9999, entropy in (0.5, max]") {
  std::mt19937 rng(12);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  const RangeStats stats = accumulate(10, 100000, [&] { return uniform(rng); });
  CHECK(stats.count() == 1000000);
  CHECK(sum(stats.histogram(), 0, RangeStats::kBins) == 1000000);
  for (const bool is_signed : {false, true}) {
    INFO("signed: " << is_signed);
    CHECK(stats.threshold(CalibrationMethod::kMinMax, is_signed) == stats.max());
    CHECK(stats.max() > 0.9999f);
    CHECK(stats.threshold(CalibrationMethod::kPercentile, is_signed) == doctest::Approx(0.9999).epsilon(5e-4));
    const float entropy = stats.threshold(CalibrationMethod::kEntropy, is_signed);
    CHECK(entropy > 0.5f);
    CHECK(entropy <= stats.max());
  }
}

TEST_CASE("calibration RangeStats: a Laplacian with rare outliers: percentile and entropy clip the outliers") {
  std::mt19937 rng(7);
  std::exponential_distribution<float> exponential(1.0f);
  std::bernoulli_distribution sign(0.5), outlier(2e-5);
  // Laplace(0, 1): P(|x| > t) = exp(-t), so the 99.99th percentile of |x| is ln(1e4) = 9.21.
  const RangeStats stats = accumulate(10, 100000, [&] {
    const float magnitude = outlier(rng) ? 900.0f + 100.0f * exponential(rng) : exponential(rng);
    return sign(rng) ? magnitude : -magnitude;
  });
  const float max = stats.threshold(CalibrationMethod::kMinMax, true);
  CHECK(max > 900.0f);
  const float percentile = stats.threshold(CalibrationMethod::kPercentile, true);
  CHECK(percentile == doctest::Approx(std::log(1e4)).epsilon(0.1));
  // Entropy keeps at least 128 (s8) / 256 (u8) of the 2048 bins; here it clips about that far.
  const double bin = stats.range() / RangeStats::kBins;
  CHECK(stats.range() <= 2 * max);
  const float entropy = stats.threshold(CalibrationMethod::kEntropy, true);
  CHECK(entropy >= 128 * bin);
  CHECK(entropy <= 136 * bin);
  CHECK(entropy < 0.15f * max);
  CHECK(entropy > percentile);

  // As u8 (ReLU): the negatives quantize to 0, the positive outliers are still clipped.
  CHECK(stats.threshold(CalibrationMethod::kPercentile, false) < 0.05f * max);
  const float entropy_u8 = stats.threshold(CalibrationMethod::kEntropy, false);
  CHECK(entropy_u8 >= 256 * bin);
  CHECK(entropy_u8 <= 264 * bin);
  CHECK(entropy_u8 < 0.3f * max);
}

TEST_CASE("calibration RangeStats: entropy keeps a dense bulk whole and a lone value in its bin") {
  // Half-normal bulk filling the whole histogram: little to clip, T close to max.
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const RangeStats bulk = accumulate(4, 100000, [&] { return std::fabs(normal(rng)); });
  const float t = bulk.threshold(CalibrationMethod::kEntropy, false);
  CHECK(t > 0.3f * bulk.max());
  CHECK(t <= bulk.max());

  // Values in fewer bins than levels are represented exactly from i = L on: the first i, capped at max.
  RangeStats few;
  few.add(std::vector<float>{0.25f, 0.5f, 1.0f, 2.0f, 4.0f, 8.0f});
  CHECK(few.threshold(CalibrationMethod::kEntropy, true) == 8.0f);  // i = 2048 is the only finite-cost choice
  RangeStats one;
  one.add(std::vector<float>(100, 3.0f));
  CHECK(one.threshold(CalibrationMethod::kEntropy, true) == 3.0f);
}

TEST_CASE("calibration RangeStats: re-binning to a wider range keeps every count in the bin covering it") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  RangeStats stats = accumulate(1, 1000, [&] { return uniform(rng); });
  const double first_range = stats.range();
  CHECK(first_range == stats.max());

  stats.add(std::vector<float>{-3.0f});  // range doubles twice: 4 old bins per new bin
  CHECK(stats.range() == 4 * first_range);
  std::vector<std::uint64_t> h = stats.histogram();
  CHECK(stats.count() == 1001);
  CHECK(sum(h, 0, RangeStats::kBins) == 1001);
  CHECK(sum(h, 0, RangeStats::kBins / 4) == 1000);  // the old range is the first quarter now
  CHECK(h[static_cast<std::size_t>(3.0 / stats.range() * RangeStats::kBins)] == 1);
  CHECK(stats.min() == -3.0f);

  stats.add(std::vector<float>{1e9f});  // far beyond kBins doublings: all earlier values in bin 0
  h = stats.histogram();
  CHECK(h[0] == 1001);
  CHECK(sum(h, 0, RangeStats::kBins) == 1002);
  CHECK(stats.range() >= 1e9);
  CHECK(stats.range() < 2e9);
}

TEST_CASE("calibration RangeStats: all-zero and empty tensors give a tiny positive threshold, never 0 or NaN") {
  RangeStats zeros, empty, non_finite;
  zeros.add(std::vector<float>(1000, 0.0f));
  zeros.add(std::vector<float>{-0.0f});
  non_finite.add(std::vector<float>{std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()});
  for (const auto m : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    for (const bool is_signed : {false, true}) {
      for (const RangeStats* stats : {&zeros, &empty, &non_finite}) {
        const float t = stats->threshold(m, is_signed);
        CHECK(t == rnc::kMinThreshold);
        CHECK(std::isfinite(t / 127));
        CHECK(t / 255 > 0);
      }
    }
  }
  CHECK(zeros.count() == 1001);
  CHECK(zeros.histogram()[0] == 1001);
  CHECK(non_finite.count() == 0);
  CHECK(non_finite.non_finite() == 2);
}

TEST_CASE("calibration RangeStats: NaN and infinities are counted, not binned; u8 thresholds see negatives as 0") {
  RangeStats stats;
  stats.add(std::vector<float>{-5.0f, 1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f,
                               -std::numeric_limits<float>::infinity()});
  CHECK(stats.count() == 3);
  CHECK(stats.non_finite() == 2);
  CHECK(stats.min() == -5.0f);
  CHECK(stats.max() == 2.0f);
  CHECK(stats.threshold(CalibrationMethod::kMinMax, true) == 5.0f);
  CHECK(stats.threshold(CalibrationMethod::kMinMax, false) == 2.0f);
  for (const auto m : {CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    CHECK(stats.threshold(m, false) <= 2.0f);
    CHECK(stats.threshold(m, true) <= 5.0f);
  }

  RangeStats negative;  // all below zero: nothing for u8 to represent
  negative.add(std::vector<float>{-1.0f, -2.0f});
  CHECK(negative.threshold(CalibrationMethod::kEntropy, false) == rnc::kMinThreshold);
  CHECK(negative.threshold(CalibrationMethod::kPercentile, true) > 1.9f);
}
