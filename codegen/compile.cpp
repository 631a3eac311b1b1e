#include "codegen/compile.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "codegen/emit.hpp"
#include "codegen/fold_batchnorm.hpp"
#include "codegen/fuse_epilogues.hpp"
#include "codegen/lower.hpp"
#include "codegen/pack_weights.hpp"
#include "codegen/sha256.hpp"
#include "codegen/target.hpp"
#include "dsl/diagnostics.hpp"
#include "runtime/blob_format.hpp"

namespace rnc {
namespace {

// Everything that shapes the generated code and the blob layout; its hash binds the two.
std::string canonical_form(const Program& p, const CompileOptions& o, const TargetChoice& target) {
  std::string text = fmt::format(
      "resnetc {}\nname {}\ntarget {}{}\nembed {}\nexact {}\nprecision {}\ninput {}\noutput {}\n", kResnetcVersion,
      p.name, target.target->name, target.native ? " native" : "", o.embed_weights, o.exact,
      o.precision == Precision::kInt8 ? "int8" : "fp32", to_string(p.input_shape), to_string(p.output_shape));
  for (const Step& s : p.steps)
    text += fmt::format("step {} {} {}\n", s.label, kernel_info(s.kernel).function, print_config(s.config));
  for (const PackedTensor& t : p.tensors) text += fmt::format("tensor {} {} {}\n", t.name, t.floats, t.offset);
  return text;
}

std::vector<unsigned char> make_blob(const Program& p, const std::vector<std::vector<float>>& packed,
                                     const std::string& hash) {
  std::vector<unsigned char> blob(rt::kBlobHeaderBytes + static_cast<std::size_t>(p.payload_floats) * sizeof(float), 0);
  unsigned char* payload = blob.data() + rt::kBlobHeaderBytes;
  for (std::size_t i = 0; i < p.tensors.size(); ++i)
    std::memcpy(payload + p.tensors[i].offset * static_cast<std::int64_t>(sizeof(float)), packed[i].data(),
                packed[i].size() * sizeof(float));
  rt::BlobHeader header{};
  std::memcpy(header.magic, rt::kBlobMagic, sizeof(header.magic));
  header.version = rt::kBlobVersion;
  header.tensor_count = static_cast<std::uint32_t>(p.tensors.size());
  header.payload_bytes = blob.size() - rt::kBlobHeaderBytes;
  std::memcpy(header.model_hash, hash.data(), rt::kModelHashChars);
  header.payload_checksum = rt::fnv1a64(payload, header.payload_bytes);
  std::memcpy(blob.data(), &header, sizeof(header));
  return blob;
}

// "4.00 GiB (4,294,967,296 bytes)": readable, and exact for comparing with the limit.
std::string format_bytes(double bytes) {
  static const char* const kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double scaled = bytes;
  std::size_t unit = 0;
  while (scaled >= 1024 && unit + 1 < std::size(kUnits)) scaled /= 1024, ++unit;
  if (unit == 0) return fmt::format("{:.0f} bytes", bytes);
  return fmt::format("{:.2f} {} ({:.0f} bytes)", scaled, kUnits[unit], bytes);
}

void check_limit(const std::string& where, const char* what, double bytes, std::uint64_t limit) {
  if (bytes > static_cast<double>(limit))
    throw CompileError(
        fmt::format("{}: the network needs {} {}, more than the memory limit of {}; raise the limit with "
                    "--max-memory SIZE (e.g. 8G) or make the network smaller",
                    where, format_bytes(bytes), what, format_bytes(static_cast<double>(limit))));
}

Model prepare(const Graph& graph, const CompileOptions& options) {
  const auto dump = [&](const char* pass, const Model& m) {
    if (options.dump) options.dump(pass, dump_model(m));
  };
  Model model{graph, {}, {}, {}};
  dump("input", model);
  model = fold_batchnorm(std::move(model));
  dump("fold_batchnorm", model);
  model = fuse_epilogues(std::move(model));
  dump("fuse_epilogues", model);
  if (options.precision == Precision::kInt8) {
    // The target's kernels bound the weights; the integer reference (`resnetc run`) uses the same.
    const int weight_max = resolve_target(options.target).target->int8_weight_max();
    model = plan_int8(std::move(model), options.int8.keep_fp32, weight_max);
    dump("plan_int8", model);
  }
  return model;
}

Program lower_for(const Model& model, const CompileOptions& options, const Target& target) {
  return lower(model, {.exact = options.exact, .isa = target.vector_isa(), .int8_dot = target.int8_dot});
}

}  // namespace

MemoryEstimate estimate_memory(const Graph& graph) {
  // In double: shapes are checked one by one, but their sums may still exceed 64 bits.
  const auto bytes = [](const Shape& shape) {
    double n = 4;
    for (const std::int64_t d : shape) n *= static_cast<double>(d);
    return n;
  };
  MemoryEstimate estimate;
  for (const Node& node : graph.nodes) {
    for (const ParamSpec& p : graph.params(node)) estimate.weight_bytes += bytes(p.shape);
    // Fusion and in-place epilogues may merge values, but every intermediate one is written
    // somewhere in the arena (the caller owns only the input and the output).
    if (node.output != graph.output)
      estimate.activation_bytes = std::max(estimate.activation_bytes, bytes(graph.shape(node.output)));
  }
  return estimate;
}

void check_memory_limit(const Graph& graph, std::uint64_t limit_bytes, const std::string& file) {
  const MemoryEstimate estimate = estimate_memory(graph);
  check_limit(file, "for its weights (float32)", estimate.weight_bytes, limit_bytes);
  check_limit(file, "for its activations at least (its largest intermediate value)", estimate.activation_bytes,
              limit_bytes);
}

Program plan_program(const Graph& graph, const CompileOptions& options) {
  return lower_for(prepare(graph, options), options, *resolve_target(options.target).target);
}

Model prepare_model(const Graph& graph, const CompileOptions& options) { return prepare(graph, options); }

ActivationScales calibrate_model(const Model& model, const WeightMap& weights, const CompileOptions& options) {
  if (options.int8.calibration.empty())
    throw CompileError("--precision int8 needs calibration images (--calibration FILE)");
  return calibrate(model, fold_batchnorm_weights(model.folds, weights), options.int8.calibration, options.int8.method);
}

CompiledProject compile_project(const Graph& graph, const WeightMap& weights, const CompileOptions& options) {
  CompiledProject project;
  project.target = resolve_target(options.target);
  const Model model = prepare(graph, options);
  project.program = lower_for(model, options, *project.target.target);
  // Packing (Winograd, channel blocks) and the planned arena can exceed the estimates: check the
  // real sizes before the blob is built.
  const double arena = static_cast<double>(project.program.arena_floats) * 4;
  const double payload = static_cast<double>(project.program.payload_floats) * 4;
  const std::string network = fmt::format("network \"{}\"", graph.name);
  check_limit(network, "for its packed weights", payload, options.max_memory_bytes);
  check_limit(network, "for its activation arena", arena, options.max_memory_bytes);
  project.model_hash = sha256_hex(canonical_form(project.program, options, project.target));
  project.files =
      emit_sources(project.program, {kResnetcVersion, project.model_hash, project.target, options.embed_weights});
  for (const auto& [path, text] : embedded_runtime()) project.files["runtime/" + path] = text;
  if (options.precision == Precision::kInt8) project.scales = calibrate_model(model, weights, options);
  project.blob =
      make_blob(project.program, pack_weights(project.program, weights, &project.scales), project.model_hash);
  return project;
}

}  // namespace rnc
