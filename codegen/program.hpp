// The lowered program, planned without weights: what the emitter prints. Buffers (activations
// with a concrete layout and storage), steps (one kernel call each, in execution order) and the
// packed weight tensors' recipes and places (pack_weights() makes their data).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/kernel_configs.hpp"
#include "codegen/model.hpp"
#include "codegen/pack_weights.hpp"
#include "dsl/ir/shape.hpp"
#include "runtime/layer_plan.hpp"

namespace rnc {

// How a buffer is laid out and where it lives: the runtime's own enums, which the generated dump
// table spells (runtime/layer_plan.hpp), so codegen and runtime cannot disagree on their order.
using Layout = rt::DumpLayout;   // kNchw, kPaddedNchw, kBlocked (NCHW<lanes>c), kFlat ([N, F])
using Storage = rt::DumpSource;  // kInput, kOutput (the caller's), kArena

inline constexpr std::int64_t kAlignFloats = 16;  // 64-byte alignment, in floats

// What one element of a buffer is: float, or an int8 value (codegen/quantize.hpp); the runtime's
// enum, which the generated dump table spells.
using DType = rt::ElementType;
const char* dtype_name(DType dtype);  // "f32", "u8", "s8"

// The vector unit the layer code is generated for (the target table in codegen/target.hpp says
// which target has which): floats per register, which are the channels per block of the blocked
// layout (16: NCHW16c, 8: NCHW8c), and the number of vector registers the kernels' register
// tiles must fit in.
struct VectorIsa {
  int lanes = 16;
  int registers = 32;
};

// Channels rounded up to whole blocks of `lanes`.
constexpr std::int64_t round_up_channels(std::int64_t channels, int lanes) {
  return (channels + lanes - 1) / lanes * lanes;
}

struct Buffer {
  std::string name;  // value it holds (for comments and the memory map)
  Layout layout = Layout::kBlocked;
  Storage storage = Storage::kArena;
  // What the kernels take: n, c, h, w, the halo pad and the lanes (channels per block of
  // kBlocked; the default for the caller's NCHW buffers). Flat: c = features, h = w = 1.
  kern::Blocked geometry{0, 0, 1, 1, 0};
  int first_step = -1, last_step = -1;  // liveness, in step indices
  std::int64_t offset = -1;             // in floats, kArena only
  DType dtype = DType::kF32;
  int scale_tensor = -1;  // int8: the packed tensor holding its scale (dumps read it back)

  std::int64_t elements() const;
  std::int64_t floats() const;  // storage in 4-byte units: int8 buffers take a quarter
  Shape logical_shape() const;
};

// The geometry of a value of `shape` ([N, C, H, W], or [N, F] as c = F, h = w = 1).
kern::Blocked geometry_of(const Shape& shape, std::int64_t pad = 0, int lanes = kern::kDefaultLanes);

// "NCHW16c", "NCHW8c": the blocked layout's name in comments and the memory map.
std::string blocked_name(int lanes);

// A tensor of the weights blob as planned: its data comes later, from pack_weights().
struct PackedTensor {
  std::string name;  // state_dict-style name, e.g. "2.0.conv1.weight" (packed for its kernel)
  PackRecipe recipe;
  std::int64_t floats = 0;  // packed_floats(recipe)
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
  KernelConfig config;               // must be the alternative kernel_info(kernel).config names
  int in0 = -1, in1 = -1, out = -1;  // buffer ids; in1: the residual or second add operand
  int weights = -1;                  // packed tensor id (w0): the weights, or a batchnorm's scale
  int bias = -1;                     // packed tensor id (w1): the bias, or a batchnorm's shift
  std::int64_t scratch_floats = 0;   // private scratch each part needs
  double flops = 0;

  std::string algorithm() const { return profile_label(kernel, config); }  // shown by --profile
};

struct Program {
  std::string name;
  Shape input_shape, output_shape;
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  std::vector<PackedTensor> tensors;
  std::vector<BatchnormFold> folds;  // applied to the weights before packing
  std::vector<std::string> stages;   // stage names in order (one source file each)
  std::int64_t arena_floats = 0;
  std::int64_t arena_lower_bound_floats = 0;
  std::int64_t payload_floats = 0;
  std::int64_t scratch_floats = 0;  // per part: the largest any step needs
  double flops = 0;
};

}  // namespace rnc
