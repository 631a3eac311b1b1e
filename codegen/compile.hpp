// The compiler pipeline, one flat function from a checked graph and its weights to the files of a
// generated project (codegen/project_writer.hpp writes them to disk).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "codegen/program.hpp"
#include "codegen/quantize.hpp"
#include "codegen/target.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/weights.hpp"

namespace rnc {

inline constexpr const char* kResnetcVersion = "0.1.0";

// The default of --max-memory: a network whose weights or activations need more is refused.
inline constexpr std::uint64_t kDefaultMaxMemoryBytes = std::uint64_t{4} << 30;

// What a network will need, known from its shapes alone (before any weight is read or packed):
// its parameters as float32, and a lower bound of its activation arena (its largest intermediate
// value; the planned arena holds at least that).
struct MemoryEstimate {
  double weight_bytes = 0;
  double activation_bytes = 0;
};
MemoryEstimate estimate_memory(const Graph& graph);

// Throws CompileError, naming `file`, both sizes and the limit, if either exceeds `limit_bytes`.
void check_memory_limit(const Graph& graph, std::uint64_t limit_bytes, const std::string& file);

enum class Precision { kFp32, kInt8 };

// --precision int8 (docs/quantization.md).
struct Int8Options {
  std::vector<std::string> keep_fp32;  // layers or stages that stay float (plan_int8)
  CalibrationMethod method = CalibrationMethod::kPercentile;
  std::vector<Tensor> calibration;  // images [1, C, H, W] the scales are calibrated on (any batch)
};

struct CompileOptions {
  std::string target = "native";  // a name of target_names() (codegen/target.hpp)
  bool embed_weights = false;
  bool exact = false;                                       // direct convolution only (see LowerOptions)
  std::uint64_t max_memory_bytes = kDefaultMaxMemoryBytes;  // packed weights and arena, each
  Precision precision = Precision::kFp32;
  Int8Options int8;
  // Called with each pass's name and the graph after it as text, epilogues included (resnetc
  // compile --dump-passes).
  std::function<void(const std::string& pass, const std::string& graph)> dump;
};

struct CompiledProject {
  Program program;
  ActivationScales scales;  // int8: the calibrated scale of each quantized value
  std::string model_hash;
  TargetChoice target;                       // what --target resolved to
  std::map<std::string, std::string> files;  // relative path -> contents, runtime included
  std::vector<unsigned char> blob;           // NAME.weights (header + payload)
};

// The weight-free plan: fold_batchnorm -> fuse_epilogues -> lower (layouts, kernels, packing
// recipes, arena). compile_project then packs the weights (pack_weights) and emits.
Program plan_program(const Graph& graph, const CompileOptions& options = {});
// The model the back end lowers (batchnorms folded, epilogues fused, the int8 convolutions
// marked), for the interpreters of `resnetc run`.
Model prepare_model(const Graph& graph, const CompileOptions& options = {});
// int8: the scales of `model` (prepare_model) calibrated on options.int8.calibration.
ActivationScales calibrate_model(const Model& model, const WeightMap& weights, const CompileOptions& options);
CompiledProject compile_project(const Graph& graph, const WeightMap& weights, const CompileOptions& options);

// The runtime's sources, embedded into resnetc at build time (relative path -> contents).
const std::map<std::string, std::string>& embedded_runtime();

}  // namespace rnc
