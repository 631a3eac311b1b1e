// The lowered program: what the emitter prints. Buffers (activations with a concrete layout and
// storage), steps (one kernel call each, in execution order) and packed weight tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/kernel_configs.hpp"
#include "dsl/ir/shape.hpp"

namespace rnc {

enum class Layout { kNchw, kPaddedNchw, kBlocked, kFlat };
enum class Storage { kUserInput, kUserOutput, kArena };

inline constexpr std::int64_t kAlignFloats = 16;  // 64-byte alignment, in floats

// The vector unit the layer code is generated for (the target table in codegen/target.hpp says
// which target has which): floats per register, which are the channels per block of the blocked
// layout (16: NCHW16c, 8: NCHW8c), and the number of vector registers the kernels' register
// tiles must fit in.
struct VectorIsa {
  int lanes = 16;
  int registers = 32;
};

// Channels rounded up to whole blocks of `lanes`.
constexpr std::int64_t round_up_channels(std::int64_t channels, int lanes) { return (channels + lanes - 1) / lanes * lanes; }

struct Buffer {
  std::string name;  // value it holds (for comments and the memory map)
  Layout layout = Layout::kBlocked;
  Storage storage = Storage::kArena;
  std::int64_t n = 0, c = 0, h = 1, w = 1, pad = 0;  // flat: c = features
  int lanes = 16;                                   // kBlocked: channels per block
  int first_step = -1, last_step = -1;              // liveness, in step indices
  std::int64_t offset = -1;                         // in floats, kArena only

  std::int64_t floats() const;
  Shape logical_shape() const;
  kern::Blocked blocked() const;  // the geometry the kernels take
};

// "NCHW16c", "NCHW8c": the blocked layout's name in comments and the memory map.
std::string blocked_name(int lanes);

struct PackedTensor {
  std::string name;  // state_dict-style name, e.g. "2.0.conv1.weight" (packed for its kernel)
  std::vector<float> data;
  std::int64_t offset = 0;  // in floats from the payload start, 64-byte aligned
};

// One kernel call. The emitter prints `config` with print_config() and passes the buffers and
// tensors as the kernel's kern::Args (in0, in1, w0, w1, out).
struct Step {
  std::string label;     // node name, e.g. "b3.0.conv1" (profile rows)
  std::string function;  // C++ identifier of the layer function
  std::string stage;     // which source file it goes to
  std::string comment;   // op, shapes and fused epilogue
  Kernel kernel = Kernel::kLinear;
  KernelConfig config;                 // must be the alternative kernel_info(kernel).config names
  int in0 = -1, in1 = -1, out = -1;    // buffer ids; in1: the residual or second add operand
  int weights = -1;                    // packed tensor id (w0): the weights, or a batchnorm's scale
  int bias = -1;                       // packed tensor id (w1): the bias, or a batchnorm's shift
  std::int64_t scratch_floats = 0;     // private scratch each part needs
  double flops = 0;

  std::string algorithm() const { return profile_label(kernel, config); }  // shown by --profile
};

struct Program {
  std::string name;
  Shape input_shape, output_shape;
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  std::vector<PackedTensor> tensors;
  std::vector<std::string> stages;  // stage names in order (one source file each)
  std::int64_t arena_floats = 0;
  std::int64_t arena_lower_bound_floats = 0;
  std::int64_t payload_floats = 0;
  std::int64_t scratch_floats = 0;  // per part: the largest any step needs
  double flops = 0;
};

}  // namespace rnc
