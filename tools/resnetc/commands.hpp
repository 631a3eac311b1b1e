// The resnetc subcommands. Each takes its arguments (after the command name) and returns the
// exit status: 0 success, 1 bad input (spec, weights, files), 2 bad command line.
#pragma once

#include <string>
#include <vector>

#include "codegen/compile.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/reference.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/weights.hpp"
#include "tools/resnetc/args.hpp"

namespace rnc::cli {

int check_command(const std::vector<std::string>& args);
int run_command(const std::vector<std::string>& args);
int compile_command(const std::vector<std::string>& args);
int dot_command(const std::vector<std::string>& args);
int compare_command(const std::vector<std::string>& args);
int fmt_command(const std::vector<std::string>& args);

// Options shared by the commands that read a spec (and weights). Inline so that option tables
// in other files, initialized at startup, always see them constructed.
inline const OptionSpec kInputShapeOption{"--input-shape", "", "N,C,H,W", "specialize the spec to another input shape"};
inline const OptionSpec kWeightsOption{"--weights", "", "FILE", "weights as safetensors with state_dict names"};
inline const OptionSpec kRandomWeightsOption{"--random-weights", "", "SEED", "deterministic random weights instead"};
inline const OptionSpec kMaxMemoryOption{"--max-memory", "", "SIZE",
                                         "refuse networks whose weights or activations need more (default 4G)"};
inline const OptionSpec kHelpOption{"--help", "-h", "", "show this help and exit"};
inline const OptionSpec kTargetOption{
    "--target", "", "TARGET", "native (default: the best this CPU supports), avx512vnni, avx512, avx2 or generic"};
// int8 inference (docs/quantization.md).
inline const std::vector<OptionSpec> kPrecisionOptions = {
    {"--precision", "", "fp32|int8", "arithmetic of the convolutions (default fp32; int8 needs --calibration)"},
    {"--calibration", "", "FILE", "int8: calibration images, .npy [K,C,H,W] or a directory of .npy/.pgm/.ppm"},
    {"--calibration-method", "", "METHOD", "int8: minmax, percentile (default) or entropy"},
    {"--keep-fp32", "", "NAME,...", "int8: layers or stages that stay float (e.g. b2,b5.1.conv2)"}};

// The spec (or ONNX model, with its weights) of the single positional argument, specialized by
// --input-shape, refused if its weights or activations would exceed --max-memory (checked before
// anything is allocated).
Network load_network(const Parsed& parsed, const std::string& command);
// --input-shape N,C,H,W, if given.
std::optional<Shape> input_shape_option(const Parsed& parsed);
// --max-memory SIZE, or the default limit.
std::uint64_t max_memory(const Parsed& parsed);
// --weights FILE (checked against the graph) or --random-weights SEED; exactly one is required,
// except for an ONNX model, whose own weights (moved out of `network`) --random-weights replaces.
WeightMap load_weights(const Parsed& parsed, Network& network);

// --target, --precision and the int8 options into `options`, the calibration images read and
// checked against the graph's input (UsageError for a wrong combination, CompileError for bad
// files). --target with them: the target's int8 kernels bound the weights (7-bit without VNNI),
// so the integer reference of `run` and the scales of `check` need it as `compile` does.
void read_precision_options(const Parsed& parsed, const Graph& graph, CompileOptions& options);

// The reference interpreter, or with --precision int8 the integer reference on scales calibrated
// on options.int8.calibration (codegen/int8_reference.hpp).
Tensor run_interpreter(const Graph& graph, const WeightMap& weights, const CompileOptions& options, const Tensor& input,
                       const NodeObserver& observe = {});

// The option table `base` followed by `more`, --help last (where help texts usually put it).
std::vector<OptionSpec> with_options(std::vector<OptionSpec> base, const std::vector<OptionSpec>& more);

// Prints the command's help when --help was given; returns true if it did.
bool print_help_if_asked(const Parsed& parsed, const std::string& usage, const std::vector<OptionSpec>& specs);

}  // namespace rnc::cli
