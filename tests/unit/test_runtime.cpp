// Unit tests for runtime/: .npy and PNM I/O, the weights blob, the thread pool, timing stats, the
// CPU check and the generated executables' command line (inference_main with a fake model).
// Every error case asserts that the message names the file and what was expected.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/cpu_features.hpp"
#include "runtime/error.hpp"
#include "runtime/model.hpp"
#include "runtime/npy.hpp"
#include "runtime/pnm.hpp"
#include "runtime/stats.hpp"
#include "runtime/thread_pool.hpp"
#include "runtime/weights_blob.hpp"
#include "tests/support/files.hpp"

namespace {

namespace fs = std::filesystem;
using rnc::rt::Error;
using rnc::test::TempDir;

void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The message of the rnc::rt::Error that `f` throws.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected rnc::rt::Error");
  return {};
}

void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (const std::string_view part : parts) {
    INFO("message: ", message, "\nexpected to contain: ", part);
    CHECK(message.find(part) != std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// .npy

std::string as_bytes(const std::vector<float>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)};
}

// A .npy file with a hand-written header dict, for the variants np.save does (or doesn't) write.
std::string make_npy(std::string_view dict, std::string_view data, int major = 1) {
  std::string header(dict);
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  const int length_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < length_bytes; ++i) out += static_cast<char>(header.size() >> (8 * i) & 0xff);
  return out + header + std::string(data);
}

constexpr std::string_view kDict23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

TEST_CASE("npy round trip keeps shape and values, shapes " * doctest::description("rank 0..4")) {
  const std::vector<std::vector<std::int64_t>> shapes = {{}, {7}, {2, 3}, {1, 3, 4, 5}, {2, 1, 3, 2}, {0}, {2, 0, 3}};
  TempDir dir;
  for (const auto& shape : shapes) {
    const std::string path = dir.file("t.npy");
    const std::size_t count = rnc::rt::element_count(shape, path);
    std::vector<float> values(count);
    std::iota(values.begin(), values.end(), -1.5f);
    CAPTURE(rnc::rt::shape_string(shape));
    rnc::rt::write_npy(path, values.data(), shape);
    const std::string bytes = read_bytes(path);
    CHECK((bytes.size() - count * sizeof(float)) % 64 == 0);  // np.save's header alignment
    const rnc::rt::Tensor tensor = rnc::rt::read_npy(path);
    CHECK(tensor.shape == shape);
    CHECK(tensor.data == values);
  }
  CHECK(dir.entries() == std::vector<std::string>{"t.npy"});  // no temp files left behind
}

TEST_CASE("npy writes the header np.save writes") {
  TempDir dir;
  const std::vector<float> values = {1, 2, 3};
  rnc::rt::write_npy(dir.file("a.npy"), values.data(), {3});
  const std::string bytes = read_bytes(dir.file("a.npy"));
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(bytes.find("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }") == 10);
  CHECK(bytes[127] == '\n');  // padded with spaces to 128 bytes
  CHECK(bytes.size() == 128 + 12);
}

TEST_CASE("npy reader accepts v2.0/v3.0, any key order, double quotes, no trailing comma") {
  TempDir dir;
  const std::string data = as_bytes({1, 2, 3, 4, 5, 6});
  const std::string dicts[] = {std::string(kDict23), R"({"shape": (2, 3), "fortran_order": False, "descr": "<f4"})",
                               "{'descr':'<f4','fortran_order':False,'shape':(2,3)}   "};
  for (const int major : {1, 2, 3}) {
    for (const std::string& dict : dicts) {
      CAPTURE(major);
      CAPTURE(dict);
      write_bytes(dir.file("v.npy"), make_npy(dict, data, major));
      const rnc::rt::Tensor tensor = rnc::rt::read_npy(dir.file("v.npy"));
      CHECK(tensor.shape == std::vector<std::int64_t>{2, 3});
      CHECK(tensor.data[5] == 6.0f);
    }
  }
}

TEST_CASE("npy errors name the file and what was expected") {
  TempDir dir;
  const std::string path = dir.file("x.npy");
  const std::string data = as_bytes({1, 2, 3, 4, 5, 6});
  auto read_error = [&](const std::string& bytes) {
    write_bytes(path, bytes);
    return error_of([&] { rnc::rt::read_npy(path); });
  };

  SUBCASE("bad magic") {
    check_contains(read_error("PK\x03\x04 not numpy at all"), {path, "not a .npy file", "\\x93NUMPY"});
  }
  SUBCASE("empty file") { check_contains(read_error(""), {path, "not a .npy file"}); }
  SUBCASE("unsupported version") {
    check_contains(read_error(make_npy(kDict23, data, 4)), {path, "version 4.0", "expected 1.0"});
  }
  SUBCASE("wrong dtype") {
    const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    check_contains(read_error(make_npy(dict, data + data)),
                   {path, "dtype '<f8' is not supported", "expected float32 ('<f4')"});
  }
  SUBCASE("big-endian float32") {
    const std::string dict = "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }";
    check_contains(read_error(make_npy(dict, data)), {path, "'>f4'", "'<f4'"});
  }
  SUBCASE("fortran order") {
    const std::string dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
    check_contains(read_error(make_npy(dict, data)), {path, "fortran_order is True", "C-order"});
  }
  SUBCASE("truncated data") {
    check_contains(read_error(make_npy(kDict23, data.substr(0, 10))),
                   {path, "truncated", "expected 24 data bytes", "[2,3]", "found 10"});
  }
  SUBCASE("trailing bytes") {
    check_contains(read_error(make_npy(kDict23, data + "xyz")),
                   {path, "3 unexpected bytes after the data", "expected 24"});
  }
  SUBCASE("header length past the end") {
    std::string bytes = make_npy(kDict23, "");
    bytes[8] = '\xff';
    bytes[9] = '\x7f';
    check_contains(read_error(bytes), {path, "header length 32767 runs past the end"});
  }
  SUBCASE("header length missing") {
    check_contains(read_error(std::string("\x93NUMPY\x01\x00\x10", 9)), {path, "truncated"});
  }
  SUBCASE("missing key") {
    check_contains(read_error(make_npy("{'descr': '<f4', 'shape': (2, 3)}", data)),
                   {path, "malformed .npy header", "missing key 'fortran_order'"});
  }
  SUBCASE("unknown key") {
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}";
    check_contains(read_error(make_npy(dict, data)), {path, "unexpected key 'x'"});
  }
  SUBCASE("duplicate key") {
    const std::string dict = "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}";
    check_contains(read_error(make_npy(dict, data)), {path, "duplicate key 'descr'"});
  }
  SUBCASE("syntax error") {
    const std::string dict = "{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    check_contains(read_error(make_npy(dict, data)), {path, "malformed .npy header", "expected ':'"});
  }
  SUBCASE("structured dtype") {
    const std::string dict = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }";
    check_contains(read_error(make_npy(dict, data)), {path, "expected a quoted string"});
  }
  SUBCASE("negative dimension") {
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }";
    check_contains(read_error(make_npy(dict, data)), {path, "[2,-3]", "negative dimension"});
  }
  SUBCASE("shape too large") {
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }";
    check_contains(read_error(make_npy(dict, data)), {path, "too large"});
  }
  SUBCASE("huge shape, little data: refused before allocating") {
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }";
    check_contains(read_error(make_npy(dict, data)),
                   {path, "truncated: expected 4398046511104 data bytes", "found 24"});
  }
  SUBCASE("missing file") {
    check_contains(error_of([&] { rnc::rt::read_npy(dir.file("nope.npy")); }),
                   {"nope.npy", "cannot open", "No such file"});
  }
  SUBCASE("a directory") {
    check_contains(error_of([&] { rnc::rt::read_npy(dir.file("")); }), {"Is a directory"});
  }
}

TEST_CASE("npy write errors name the path and the reason; nothing is half-written") {
  TempDir dir;
  const float value = 1;
  const std::string path = dir.file("missing_dir/y.npy");
  check_contains(error_of([&] { rnc::rt::write_npy(path, &value, {1}); }), {path, "cannot write", "No such file"});
  check_contains(error_of([&] { rnc::rt::write_npy(dir.file("n.npy"), &value, {-1}); }), {"n.npy", "negative"});
  CHECK(dir.entries().empty());
}

TEST_CASE("npy write through a symlink replaces the file it points to, keeps the link") {
  TempDir dir;
  const std::vector<float> one = {1}, two = {2, 2};
  rnc::rt::write_npy(dir.file("real.npy"), one.data(), {1});
  fs::create_symlink(dir.file("real.npy"), dir.file("link.npy"));
  rnc::rt::write_npy(dir.file("link.npy"), two.data(), {2});
  CHECK(fs::is_symlink(dir.file("link.npy")));
  CHECK(rnc::rt::read_npy(dir.file("real.npy")).data == two);
  check_contains(error_of([&] { rnc::rt::write_npy(dir.file(""), one.data(), {1}); }),
                 {"cannot write", "Is a directory"});
}

// ---------------------------------------------------------------------------------------------
// PGM / PPM

TEST_CASE("pnm reads P5 with comments, scaled to [0,1]") {
  TempDir dir;
  const std::string path = dir.file("a.pgm");
  write_bytes(path, std::string("P5 # magic\n# a full-line comment\n3 2\n#another\n255\n") +
                        std::string("\x00\x33\x66\x99\xcc\xff", 6));
  const rnc::rt::Image image = rnc::rt::read_pnm(path);
  CHECK(image.channels == 1);
  CHECK(image.width == 3);
  CHECK(image.height == 2);
  REQUIRE(image.data.size() == 6);
  CHECK(image.data[0] == 0.0f);
  CHECK(image.data[1] == doctest::Approx(0.2));
  CHECK(image.data[5] == 1.0f);
}

TEST_CASE("pnm reads P6 interleaved RGB into planar CHW, maxval below 255") {
  TempDir dir;
  const std::string path = dir.file("a.ppm");
  // 2x1 pixels: (10, 20, 30), (40, 50, 100) with maxval 100; a comment right after the magic.
  write_bytes(path, std::string("P6#c\n2 1 100\n") + std::string("\x0a\x14\x1e\x28\x32\x64", 6));
  const rnc::rt::Image image = rnc::rt::read_pnm(path);
  CHECK(image.channels == 3);
  CHECK(image.width == 2);
  CHECK(image.height == 1);
  const std::vector<float> expected = {0.1f, 0.4f, 0.2f, 0.5f, 0.3f, 1.0f};
  REQUIRE(image.data.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(image.data[i] == doctest::Approx(expected[i]));
}

TEST_CASE("pnm errors name the file and what was expected") {
  TempDir dir;
  const std::string path = dir.file("img.pgm");
  auto read_error = [&](const std::string& bytes) {
    write_bytes(path, bytes);
    return error_of([&] { rnc::rt::read_pnm(path); });
  };
  SUBCASE("bad magic") { check_contains(read_error("GIF89a........"), {path, "not a PGM/PPM image", "'P5' or 'P6'"}); }
  SUBCASE("ASCII PGM") { check_contains(read_error("P2\n1 1\n255\n0\n"), {path, "ASCII", "'P5'"}); }
  SUBCASE("16-bit") {
    check_contains(read_error("P5\n1 1\n65535\n\x00\x01"), {path, "maxval 65535", "16-bit", "1..255"});
  }
  SUBCASE("maxval 0") { check_contains(read_error("P5\n1 1\n0\n\x00"), {path, "maxval 0 is out of range"}); }
  SUBCASE("truncated") {
    check_contains(read_error("P5\n224 224\n255\n" + std::string(1200, 'x')),
                   {path, "truncated: expected 50176 pixel bytes, found 1200"});
  }
  SUBCASE("truncated header") {
    check_contains(read_error("P6\n4 "), {path, "expected the height", "end of the file"});
  }
  SUBCASE("zero width") { check_contains(read_error("P5\n0 4\n255\n"), {path, "width 0 is out of range"}); }
  SUBCASE("huge height") {
    check_contains(read_error("P5\n4 40000\n255\n"), {path, "height 40000 is out of range", "1..32768"});
  }
  SUBCASE("no whitespace after maxval") {
    check_contains(read_error("P5\n1 1\n255"), {path, "whitespace byte after maxval"});
  }
  SUBCASE("sample above maxval") {
    check_contains(read_error("P5\n2 1\n10\n\x05\x0b"), {path, "sample 11", "x 1, y 0", "maxval 10"});
  }
}

// ---------------------------------------------------------------------------------------------
// weights blob

const std::string kHashA(64, 'a');
const std::string kHashB = std::string("5678ef") + std::string(58, 'b');

std::vector<unsigned char> sample_payload() {
  std::vector<float> floats(48);
  std::iota(floats.begin(), floats.end(), 0.5f);
  std::vector<unsigned char> bytes(floats.size() * sizeof(float));
  std::memcpy(bytes.data(), floats.data(), bytes.size());
  return bytes;
}

TEST_CASE("blob round trip from file and from memory") {
  TempDir dir;
  const std::string path = dir.file("weights.bin");
  const std::vector<unsigned char> payload = sample_payload();
  rnc::rt::write_blob(path, kHashA, 3, payload);
  CHECK(dir.entries() == std::vector<std::string>{"weights.bin"});

  const auto blob = rnc::rt::WeightsBlob::from_file(path, kHashA, payload.size());
  CHECK(reinterpret_cast<std::uintptr_t>(blob.payload()) % rnc::rt::kBlobAlignment == 0);
  CHECK(blob.payload_bytes() == payload.size());
  CHECK(blob.tensor_count() == 3);
  CHECK(std::memcmp(blob.payload(), payload.data(), payload.size()) == 0);

  const std::string bytes = read_bytes(path);
  alignas(64) static unsigned char embedded[rnc::rt::kBlobHeaderBytes + 48 * sizeof(float) + 64];
  REQUIRE(bytes.size() + 64 == sizeof embedded);
  std::memcpy(embedded, bytes.data(), bytes.size());
  const auto in_memory = rnc::rt::WeightsBlob::from_memory(embedded, bytes.size(), kHashA, payload.size());
  CHECK(reinterpret_cast<const unsigned char*>(in_memory.payload()) ==
        embedded + rnc::rt::kBlobHeaderBytes);  // not copied

  std::memmove(embedded + 1, embedded, bytes.size());
  check_contains(
      error_of([&] { rnc::rt::WeightsBlob::from_memory(embedded + 1, bytes.size(), kHashA, payload.size()); }),
      {"embedded weights", "64-byte aligned"});
}

TEST_CASE("blob errors name the file and the cause") {
  TempDir dir;
  const std::string path = dir.file("weights.bin");
  const std::vector<unsigned char> payload = sample_payload();
  rnc::rt::write_blob(path, kHashA, 3, payload);
  const std::string good = read_bytes(path);
  auto load_error = [&](const std::string& bytes, const std::string& hash = kHashA) {
    write_bytes(path, bytes);
    return error_of([&] { rnc::rt::WeightsBlob::from_file(path, hash, payload.size()); });
  };
  auto patched = [&](std::size_t offset, std::string_view with) {
    std::string bytes = good;
    bytes.replace(offset, with.size(), with);
    return bytes;
  };

  SUBCASE("other model") {
    check_contains(load_error(good, kHashB),
                   {path, "made for another model or other compile options", "model hash aaaaaaaaaaaa...",
                    "the binary expects 5678efbbbbbb...", "recompile or pass the matching --weights"});
  }
  SUBCASE("other payload size") {
    check_contains(error_of([&] { rnc::rt::WeightsBlob::from_file(path, kHashA, 100); }),
                   {path, "payload is 192 bytes, the binary expects 100"});
  }
  SUBCASE("truncated") {
    check_contains(load_error(good.substr(0, good.size() - 4)),
                   {path, "truncated: expected 192 payload bytes", "found 188"});
  }
  SUBCASE("shorter than the header") {
    check_contains(load_error(good.substr(0, 40)), {path, "truncated", "128-byte blob header"});
  }
  SUBCASE("trailing data") {
    check_contains(load_error(good + "junk"), {path, "4 unexpected bytes after the 192-byte payload"});
  }
  SUBCASE("tampered payload") {
    std::string bytes = good;
    bytes[rnc::rt::kBlobHeaderBytes + 17] ^= 0x01;
    check_contains(load_error(bytes), {path, "checksum", "corrupted or was modified"});
  }
  SUBCASE("bad magic") {
    check_contains(load_error(patched(0, "NOTABLOB")), {path, "not a resnetc weights blob", "RNCBLOB1"});
  }
  SUBCASE("wrong version") {
    check_contains(load_error(patched(8, std::string_view("\x02\0\0\0", 4))),
                   {path, "version 2 is not supported", "reads version 1"});
  }
  SUBCASE("missing file") {
    check_contains(error_of([&] { rnc::rt::WeightsBlob::from_file(dir.file("none.bin"), kHashA, 1); }),
                   {"none.bin", "cannot open", "No such file"});
  }
  SUBCASE("writer refuses a hash of the wrong length") {
    check_contains(error_of([&] { rnc::rt::write_blob(path, "abc", 1, payload); }), {path, "64 hex characters, got 3"});
  }
}

// ---------------------------------------------------------------------------------------------
// thread pool

struct PoolProbe {
  std::atomic<int> calls[8] = {};
  std::atomic<int> wrong_count{0};
  std::atomic<int> index0_elsewhere{0};
  std::thread::id caller = std::this_thread::get_id();
  int expected_count = 0;
};

void probe(void* ctx, int index, int count) {
  auto& p = *static_cast<PoolProbe*>(ctx);
  p.calls[index].fetch_add(1);
  if (count != p.expected_count) p.wrong_count.fetch_add(1);
  if (index == 0 && std::this_thread::get_id() != p.caller) p.index0_elsewhere.fetch_add(1);
}

void check_runs(rnc::rt::ThreadPool& pool, int runs) {
  PoolProbe p;
  p.expected_count = pool.threads();
  for (int r = 0; r < runs; ++r) pool.run(probe, &p);
  for (int i = 0; i < 8; ++i) CHECK(p.calls[i].load() == (i < pool.threads() ? runs : 0));
  CHECK(p.wrong_count.load() == 0);
  CHECK(p.index0_elsewhere.load() == 0);
}

TEST_CASE("thread pool runs every index exactly once per run") {
  rnc::rt::ThreadPool pool(4);
  CHECK(pool.threads() == 4);
  check_runs(pool, 2000);
}

TEST_CASE("thread pool with one thread calls fn(ctx, 0, 1) on the caller") {
  rnc::rt::ThreadPool pool;
  CHECK(pool.threads() == 1);
  check_runs(pool, 10);
}

TEST_CASE("thread pool resize") {
  rnc::rt::ThreadPool pool(2);
  for (const int threads : {3, 1, 8, 2, 2}) {
    pool.resize(threads);
    CHECK(pool.threads() == threads);
    check_runs(pool, 200);
  }
  check_contains(error_of([&] { pool.resize(0); }), {"0 threads is out of range; expected 1..256"});
  check_contains(error_of([&] { pool.resize(257); }), {"257", "1..256"});
  check_contains(error_of([] { rnc::rt::ThreadPool bad(-1); }), {"1..256"});
  CHECK(pool.threads() == 2);
}

TEST_CASE("thread pool waits for workers before an exception from index 0 leaves run()") {
  rnc::rt::ThreadPool pool(3);
  std::atomic<int> finished{0};
  auto fn = [](void* ctx, int index, int) {
    if (index == 0) throw std::runtime_error("boom");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    static_cast<std::atomic<int>*>(ctx)->fetch_add(1);
  };
  CHECK_THROWS_WITH(pool.run(fn, &finished), "boom");
  CHECK(finished.load() == 2);
  check_runs(pool, 10);  // still usable
}

// ---------------------------------------------------------------------------------------------
// stats, CPU features

TEST_CASE("summarize: min, median (mean of the middle two if even), p90 by nearest rank, mean") {
  const rnc::rt::TimingSummary odd = rnc::rt::summarize({5, 1, 4, 2, 3});
  CHECK(odd.min_ms == 1);
  CHECK(odd.median_ms == 3);
  CHECK(odd.p90_ms == 5);  // rank ceil(4.5) = 5
  CHECK(odd.mean_ms == 3);
  CHECK(odd.runs == 5);

  const rnc::rt::TimingSummary even = rnc::rt::summarize({4, 1, 3, 2});
  CHECK(even.median_ms == 2.5);
  CHECK(even.p90_ms == 4);  // rank ceil(3.6) = 4

  std::vector<double> ten(10);
  std::iota(ten.begin(), ten.end(), 1.0);
  CHECK(rnc::rt::summarize(ten).p90_ms == 9);  // rank 9 exactly
  std::vector<double> twenty_one(21);
  std::iota(twenty_one.begin(), twenty_one.end(), 1.0);
  CHECK(rnc::rt::summarize(twenty_one).p90_ms == 19);  // rank ceil(18.9) = 19

  const rnc::rt::TimingSummary one = rnc::rt::summarize({7});
  CHECK((one.min_ms == 7 && one.median_ms == 7 && one.p90_ms == 7 && one.mean_ms == 7));
  CHECK(rnc::rt::summarize({}).runs == 0);
}

TEST_CASE("now_seconds is monotonic") {
  const double a = rnc::rt::now_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(rnc::rt::now_seconds() - a >= 0.002);
}

TEST_CASE("cpu_supports") {
  CHECK(rnc::rt::cpu_supports("generic"));
  if (rnc::rt::cpu_supports("avx512")) CHECK(rnc::rt::cpu_supports("avx2"));
  check_contains(error_of([] { rnc::rt::cpu_supports("sse9"); }), {"'sse9'", "avx512"});
  CHECK(!rnc::rt::cpu_description().empty());
}

// ---------------------------------------------------------------------------------------------
// inference_main, with a fake model: out[c] = in[c] + first payload float, batch 1, 10 classes.

class FakeModel : public rnc::rt::CompiledModel {
 public:
  void bind_weights(const float* payload) override { payload_ = payload; }
  void set_threads(int threads) override { threads_ = threads; }
  void run(const float* in, float* out) override {
    for (int c = 0; c < 10; ++c) out[c] = in[c] + payload_[0];
    ++runs_;
  }
  void run_profiled(const float* in, float* out, std::vector<rnc::rt::LayerProfile>& rows) override {
    if (rows.empty()) rows = {{"b1.conv", "direct 7x7/s2", 1e6, 0}, {"head.fc", "gemv", 2e3, 0}};
    run(in, out);
    rows[0].seconds += 0.003;
    rows[1].seconds += 0.001;
  }
  const float* payload_ = nullptr;
  int threads_ = 0;
  int runs_ = 0;
};

struct CliResult {
  int status;
  std::string out, err;
};

// Runs inference_main in-process with stdout and stderr redirected to files.
CliResult run_cli(const rnc::rt::ModelInfo& info, std::vector<std::string> args, const TempDir& dir) {
  FakeModel model;
  args.insert(args.begin(), "fake");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = ::dup(1), saved_err = ::dup(2);
  const std::string out_path = dir.file("stdout.txt"), err_path = dir.file("stderr.txt");
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  const int status = rnc::rt::inference_main(static_cast<int>(args.size()), argv.data(), info, model);
  std::fflush(stdout);
  std::fflush(stderr);
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  for (const int fd : {saved_out, saved_err, out_fd, err_fd}) ::close(fd);
  return {status, read_bytes(out_path), read_bytes(err_path)};
}

struct CliFixture {
  TempDir dir;
  std::vector<unsigned char> payload = sample_payload();  // first float 0.5
  std::string weights = dir.file("fake.weights");
  std::string input = dir.file("input.npy");
  rnc::rt::ModelInfo info{"fake", {1, 1, 4, 4}, {1, 10}, 2e6,       "fake.weights", kHashA.c_str(),
                          0,      nullptr,      0,       "generic", nullptr};
  CliFixture() {
    info.payload_bytes = payload.size();
    rnc::rt::write_blob(weights, kHashA, 1, payload);
    std::vector<float> x(16);
    std::iota(x.begin(), x.end(), 0.0f);  // logits 0.5 .. 9.5: class 9 first
    rnc::rt::write_npy(input, x.data(), {1, 1, 4, 4});
  }
  CliResult run(std::vector<std::string> args) { return run_cli(info, std::move(args), dir); }
};

TEST_CASE_FIXTURE(CliFixture, "cli: one run prints top classes and latency; --output writes logits") {
  const CliResult r = run({"--input", input, "--weights=" + weights, "--top", "3", "--output", dir.file("y.npy")});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  check_contains(r.out, {"  class  9  prob 0.6321  logit 9.5\n  class  8  prob 0.2326  logit 8.5\n"
                         "  class  7  prob 0.0856  logit 7.5\n",
                         "latency: ", " ms (1 run)"});
  CHECK(r.out.find("class  6") == std::string::npos);
  const rnc::rt::Tensor y = rnc::rt::read_npy(dir.file("y.npy"));
  CHECK(y.shape == std::vector<std::int64_t>{1, 10});
  CHECK(y.data[3] == 3.5f);
}

TEST_CASE_FIXTURE(CliFixture, "cli: --bench --json ends stdout with one JSON line; --profile table") {
  const CliResult r = run({"--input=" + input, "--weights", weights, "--threads", "2", "--bench", "5", "--json",
                           "--profile", "--top", "50"});
  CHECK(r.status == 0);
  check_contains(r.out, {"  class  0  prob", "bench: 5 runs, threads 2: min ", "profile: 10 runs",
                         "b1.conv  direct 7x7/s2", "3.000", "75.0", "total", "100.0"});
  const std::size_t last_line = r.out.rfind('\n', r.out.size() - 2) + 1;
  const std::string json = r.out.substr(last_line);
  CHECK(json.rfind("{\"model\": \"fake\", \"runs\": 5, \"threads\": 2, \"min_ms\": ", 0) == 0);
  check_contains(json, {"\"median_ms\": ", "\"p90_ms\": ", "\"mean_ms\": ", "\"gflops\": ", "}\n"});
}

TEST_CASE_FIXTURE(CliFixture, "cli: image input is checked against the input shape and repeated") {
  const std::string image = dir.file("in.pgm");
  write_bytes(image, "P5\n4 4\n255\n" + std::string(16, '\xff'));
  CliResult r = run({"--input", image, "--weights", weights, "--top", "1"});
  CHECK(r.status == 0);
  check_contains(r.out, {"prob 0.1000  logit 1.5"});  // every pixel 1.0, all classes tie
  write_bytes(image, "P6\n4 4\n255\n" + std::string(48, '\xff'));
  r = run({"--input", image, "--weights", weights});
  CHECK(r.status == 1);
  check_contains(r.err, {"fake: error: ", image, "image is 3x4x4", "the model expects 1x4x4", "PGM"});
}

TEST_CASE_FIXTURE(CliFixture, "cli: help and version exit 0") {
  for (const char* flag : {"--help", "-h"}) {
    const CliResult r = run({"--top", "x?", flag});  // an error before --help still reports
    CHECK(r.status == 2);
    const CliResult h = run({flag, "--bogus"});
    CHECK(h.status == 0);
    check_contains(h.out, {"Usage: fake --input FILE", "--output FILE", "--top K", "--threads N", "--bench N", "--json",
                           "--profile", "--weights FILE", "--version", "input [1,1,4,4]", "output [1,10]"});
  }
  const CliResult v = run({"--version"});
  CHECK(v.status == 0);
  check_contains(v.out, {"fake"});
}

TEST_CASE_FIXTURE(CliFixture, "cli: usage errors exit 2 with a hint to --help") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--input", input, "--frobnicate"}, "unknown option '--frobnicate'"},
      {{"--input"}, "option '--input' needs a value"},
      {{"--input", "--top", "3"}, "option '--input' needs a value"},
      {{"--input=", "x"}, "option '--input' needs a value"},
      {{"--input", input, "--top", "many"}, "invalid value 'many' for --top: expected an integer"},
      {{"--input", input, "--top", "0"}, "--top 0 is out of range; expected at least 1"},
      {{"--input", input, "--threads", "257"}, "--threads 257 is out of range; expected 1..256"},
      {{"--input", input, "--threads", "99999999999999999999"}, "out of range"},
      {{"--input", input, "--bench", "-1"}, "--bench -1 is out of range"},
      {{"--input", input, "--json"}, "--json needs --bench N"},
      {{"--input", input, "--profile=yes"}, "option '--profile' does not take a value"},
      {{"--input", input, "stray"}, "unexpected argument 'stray'"},
      {{}, "missing required option --input"},
  };
  for (const auto& [args, expected] : cases) {
    const std::string& message = expected;  // clang 14 cannot capture a structured binding
    const CliResult r = run(args);
    CAPTURE(message);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    check_contains(r.err, {"fake: error: ", message, "\nTry 'fake --help'.\n"});
  }
}

TEST_CASE_FIXTURE(CliFixture, "cli: runtime errors exit 1 with the message") {
  const std::string wrong_shape = dir.file("wrong.npy");
  const std::vector<float> x(3 * 16);
  rnc::rt::write_npy(wrong_shape, x.data(), {1, 3, 4, 4});
  const std::string other_blob = dir.file("other.weights");
  rnc::rt::write_blob(other_blob, kHashB, 1, payload);
  const std::string text = dir.file("notes.txt");
  write_bytes(text, "hello");

  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--input", wrong_shape, "--weights", weights},
       wrong_shape + ": shape is [1,3,4,4], the model expects [1,1,4,4]"},
      {{"--input", text, "--weights", weights}, text + ": unrecognized input format"},
      {{"--input", dir.file("none.npy"), "--weights", weights}, "none.npy: cannot open"},
      {{"--input", input, "--weights", other_blob}, "made for another model"},
      {{"--input", input}, "fake.weights: weights blob not found beside the executable"},
  };
  for (const auto& [args, expected] : cases) {
    const std::string& message = expected;  // clang 14 cannot capture a structured binding
    const CliResult r = run(args);
    CAPTURE(message);
    CHECK(r.status == 1);
    check_contains(r.err, {"fake: error: ", message});
    CHECK(r.err.find("--help") == std::string::npos);
  }
}

TEST_CASE_FIXTURE(CliFixture, "cli: embedded blob, CPU check") {
  const std::string bytes = read_bytes(weights);
  alignas(64) static unsigned char embedded[rnc::rt::kBlobHeaderBytes + 48 * sizeof(float)];
  REQUIRE(bytes.size() == sizeof embedded);
  std::memcpy(embedded, bytes.data(), bytes.size());
  info.embedded_blob = embedded;
  info.embedded_blob_size = sizeof embedded;
  info.weights_file = nullptr;
  CHECK(run({"--input", input}).status == 0);

  info.required_isa = "avx512";
  if (!rnc::rt::cpu_supports("avx512")) {
    const CliResult r = run({"--input", input});
    CHECK(r.status == 1);
    check_contains(r.err, {"compiled for avx512 but this CPU (", "--target generic (or avx2)"});
  }
  info.required_isa = "mmx";
  check_contains(run({"--input", input}).err, {"fake: error: unknown instruction set 'mmx'"});
}

}  // namespace
