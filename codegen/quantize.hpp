// int8 inference (docs/quantization.md): which convolutions run in int8, the scales of the values
// they read and write, and their weights quantized, all decided here once for the generated code,
// the blob and the integer reference alike.
//
// The scheme: weights s8 (7-bit on targets without VNNI), symmetric per output channel;
// activations per tensor with zero point 0, u8 when known non-negative (after a ReLU, the
// `vpdpbusd` operand), else s8; bias int32 in accumulator units; the residual add and ReLU fused
// into the requantization (kern::requantize).
// A convolution runs in int8 when its input is non-negative (so the stem, which reads the image,
// stays float) and --keep-fp32 does not name it; everything else (pools, the head) runs in float
// on dequantized values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/calibration.hpp"
#include "codegen/model.hpp"
#include "codegen/quant_layer.hpp"
#include "dsl/weights.hpp"

namespace rnc {

// Marks the convolutions that run in int8 (Model::int8_convs). `keep_fp32` names layers (node
// names, e.g. "b3.0.conv1", or whole stages, e.g. "b2") that stay float; a name that matches no
// layer is a CompileError that lists the layers. `weight_max`: the target's largest |q| of a
// weight (Target::int8_weight_max: 63 where the kernels use vpmaddubsw, else 127).
Model plan_int8(Model model, const std::vector<std::string>& keep_fp32, int weight_max);

bool is_int8_conv(const Model& model, const Node& node);
// Values every element of which is >= 0 whatever the input: after a ReLU, pools of such values.
bool non_negative(const Model& model, ValueId value);
// The int8 type a quantized value has: u8 for non-negative values, else s8.
bool quantized_signed(const Model& model, ValueId value);

// The per-tensor scale (real value = q * scale) of each value an int8 step reads or writes.
using ActivationScales = std::map<ValueId, float>;

// Values that int8 steps read or write (their inputs, outputs and residuals).
std::vector<ValueId> quantized_values(const Model& model);

// Runs the float model (folded weights) at batch 1 on every image ([1, C, H, W]) and chooses each
// quantized value's scale with `method`.
ActivationScales calibrate(const Model& model, const WeightMap& folded, const std::vector<Tensor>& images,
                           CalibrationMethod method);

// An int8 convolution's weights, bias and requantization multipliers. Throws CompileError when a
// scale is missing from `scales`.
struct QConvRecipe {
  std::string weight, bias;  // state_dict names; bias empty for none
  Shape weight_shape;        // [OC][IC][K][K]
  std::int64_t stride = 1, padding = 0;
  ValueId in = -1, out = -1, residual = -1;
  bool relu = false, res_signed = false;
  int weight_max = 127;  // Model::int8_weight_max
};
QConvRecipe qconv_recipe(const Model& model, const Node& conv);
QConvLayer quantize_conv(const QConvRecipe& recipe, const WeightMap& folded, const ActivationScales& scales);

// The value's scale, or a CompileError naming it when calibration did not give one.
float scale_of(const ActivationScales& scales, ValueId value);

}  // namespace rnc
