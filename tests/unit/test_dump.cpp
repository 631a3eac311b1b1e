// Layer-by-layer dumps: reading a buffer back from each activation layout to NCHW
// (rnc::rt::read_back, checked against the kernels that write those layouts), the dump plan of a
// lowered program, and the dump directory's manifest.
#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "codegen/compile.hpp"
#include "codegen/dump_plan.hpp"
#include "dsl/spec_reader.hpp"
#include "error.hpp"
#include "kernels/reorder.hpp"
#include "layer_plan.hpp"
#include "tensor_dump.hpp"

namespace {

namespace fs = std::filesystem;
using rnc::kern::Blocked;
using rnc::rt::DumpLayout;
using rnc::rt::DumpPoint;
using rnc::rt::DumpSource;

std::vector<float> iota_floats(std::size_t count) {
  std::vector<float> values(count);
  std::iota(values.begin(), values.end(), 1.0f);
  return values;
}

// The point's tensor, read back from an arena that the generated code's reorder kernel filled.
rnc::rt::Tensor read_arena(const DumpPoint& point, std::vector<float>& arena) {
  const rnc::kern::Context ctx{nullptr, nullptr, arena.data(), nullptr, nullptr};
  return rnc::rt::read_back(point, ctx);
}

}  // namespace

TEST_CASE("read_back: NCHW16c with a halo and padding channels (2 images, 20 channels, 3x5, halo 2)") {
  constexpr rnc::kern::ReorderCfg kCfg{{2, 20, 3, 5, 2}, 0};
  const std::vector<float> nchw = iota_floats(2 * 20 * 3 * 5);
  std::vector<float> arena(4096, -7.0f);  // garbage wherever the kernel does not write
  rnc::kern::nchw_to_blocked<kCfg>({.in0 = nchw.data(), .out = arena.data() + 64}, 0, 1);
  const rnc::rt::Tensor tensor =
      read_arena({"x", 0, DumpSource::kArena, 64, DumpLayout::kBlocked, kCfg.blocked}, arena);
  CHECK(tensor.shape == std::vector<std::int64_t>{2, 20, 3, 5});
  CHECK(tensor.data == nchw);
}

TEST_CASE("read_back: NCHW with a zero halo (the staged stem input, 1 image, 3 channels, 4x6, halo 3)") {
  constexpr rnc::kern::ReorderCfg kCfg{{1, 3, 4, 6, 0}, 3};
  const std::vector<float> nchw = iota_floats(3 * 4 * 6);
  std::vector<float> arena(4096, -7.0f);
  rnc::kern::nchw_to_padded_nchw<kCfg>({.in0 = nchw.data(), .out = arena.data()}, 0, 1);
  CHECK(read_arena({"x", 0, DumpSource::kArena, 0, DumpLayout::kPaddedNchw, {1, 3, 4, 6, 3}}, arena).data == nchw);
}

TEST_CASE("read_back: flat [N, F] from the caller's output") {
  std::vector<float> out = iota_floats(2 * 7);
  const rnc::kern::Context ctx{nullptr, out.data(), nullptr, nullptr, nullptr};
  const rnc::rt::Tensor tensor =
      rnc::rt::read_back({"y", 3, DumpSource::kOutput, 0, DumpLayout::kFlat, {2, 7, 1, 1, 0}}, ctx);
  CHECK(tensor.shape == std::vector<std::int64_t>{2, 7});
  CHECK(tensor.data == out);
}

TEST_CASE("dump_plan: the input, then one value per step, without the edge reorders") {
  const rnc::Graph graph = rnc::read_spec(std::string(RESNETC_SOURCE_DIR) + "/tests/specs/general_form.json");
  const rnc::Program program = rnc::plan_program(graph);
  const std::vector<rnc::DumpedValue> plan = rnc::dump_plan(program);
  REQUIRE(!plan.empty());
  CHECK(plan.front().name == "input");
  CHECK(plan.front().step == 0);
  CHECK(plan.back().name == graph.values[static_cast<std::size_t>(graph.output)].name);
  for (std::size_t i = 1; i < plan.size(); ++i) {
    INFO("entry ", i, ": ", plan[i].name);
    CHECK(plan[i].step > plan[i - 1].step);
    CHECK(program.steps[static_cast<std::size_t>(plan[i].step)].out == plan[i].buffer);
  }
}

TEST_CASE("DumpWriter: tensors written out of order are listed in order; bad manifests are named") {
  const fs::path dir = fs::temp_directory_path() / ("rnc_dump_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    rnc::rt::DumpWriter writer(dir.string());
    writer.write(2, "b2/conv 1", {{1, 2}, {1.0f, 2.0f}});
    writer.write(0, "input", {{1}, {3.0f}});
    CHECK(writer.size() == 2);
  }
  const std::vector<rnc::rt::DumpEntry> entries = rnc::rt::read_dump_manifest(dir.string());
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].name == "input");
  CHECK(entries[0].file == "000_input.npy");
  CHECK(entries[1].name == "b2/conv 1");
  CHECK(entries[1].file == "002_b2_conv_1.npy");
  CHECK(rnc::rt::read_npy((dir / entries[1].file).string()).data == std::vector<float>{1.0f, 2.0f});

  std::ofstream(dir / "manifest.txt") << "000_input.npy input\nno-name-here\n";
  try {
    rnc::rt::read_dump_manifest(dir.string());
    FAIL("a malformed manifest was accepted");
  } catch (const rnc::rt::Error& e) {
    CHECK(std::string(e.what()).find("manifest.txt:2: expected 'FILE NAME', found 'no-name-here'") !=
          std::string::npos);
  }
  fs::remove_all(dir);
}
