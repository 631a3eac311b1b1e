#include "codegen/lower.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "codegen/arena_plan.hpp"
#include "codegen/conv_blocking.hpp"
#include "codegen/pack_weights.hpp"
#include "codegen/qconv_blocking.hpp"
#include "codegen/quantize.hpp"
#include "codegen/winograd.hpp"
#include "dsl/invariant.hpp"
#include "runtime/kernels/qwinograd.hpp"
#include "runtime/kernels/winograd.hpp"

namespace rnc {
namespace {

// Up to this many input channels the stem reads NCHW directly instead of channel blocks.
constexpr std::int64_t kMaxStemChannels = 4;

std::string identifier(const std::string& name, std::set<std::string>& taken) {
  std::string id;
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "layer_" + id;
  std::string unique = id;
  for (int k = 2; taken.contains(unique); ++k) unique = fmt::format("{}_{}", id, k);
  taken.insert(unique);
  return unique;
}

class Lowering {
 public:
  Lowering(const Model& m, const LowerOptions& o) : m_(m), g_(m.graph), epilogues_(m.epilogues), o_(o) {
    p_.folds = m.folds;
  }

  Program run() {
    p_.name = g_.name;
    p_.stages = g_.stages;
    p_.input_shape = g_.shape(g_.input);
    p_.output_shape = g_.shape(g_.output);
    find_consumers();
    stage_input();
    for (const Node& node : g_.nodes) lower_node(node);
    finish_output();
    compute_liveness();
    plan();
    return std::move(p_);
  }

 private:
  // --- buffers ---------------------------------------------------------------------------------
  void find_consumers() {
    consumers_.assign(g_.values.size(), {});
    for (const Node& n : g_.nodes) {
      for (ValueId v : n.inputs) consumers_[static_cast<std::size_t>(v)].push_back(&n);
      if (const Epilogue* e = epilogue_of(epilogues_, n); e && e->has_residual())
        consumers_[static_cast<std::size_t>(e->residual)].push_back(&n);
    }
  }

  // The value a step reads besides its main input: an add's second operand or a fused residual.
  ValueId second_input(const Node& node) const {
    if (node.inputs.size() > 1) return node.inputs[1];
    const Epilogue* e = epilogue_of(epilogues_, node);
    return e ? e->residual : -1;
  }

  Epilogue epilogue(const Node& node) const {
    const Epilogue* e = epilogue_of(epilogues_, node);
    return e ? *e : Epilogue{};
  }

  // Zero halo a value needs: the largest padding of a consumer that reads the halo.
  std::int64_t halo(ValueId v) const {
    std::int64_t pad = 0;
    for (const Node* n : consumers_[static_cast<std::size_t>(v)]) {
      if (const auto* c = std::get_if<Conv2d>(&n->op); c && n->inputs[0] == v) pad = std::max(pad, c->padding);
      if (const auto* a = std::get_if<AvgPool2d>(&n->op)) pad = std::max(pad, a->padding);
    }
    return pad;
  }

  int add_buffer(Buffer b) {
    p_.buffers.push_back(std::move(b));
    return static_cast<int>(p_.buffers.size() - 1);
  }

  int value_buffer(ValueId v, Layout layout, std::int64_t pad, DType dtype = DType::kF32) {
    Buffer b{g_.values[static_cast<std::size_t>(v)].name, layout, Storage::kArena,
             geometry_of(g_.shape(v), pad, o_.isa.lanes)};
    b.dtype = dtype;
    return add_buffer(std::move(b));
  }

  int buffer_of(ValueId v) const { return buffer_of_.at(v); }

  // The packed tensor holding value v's scale (or its inverse), one per value.
  int scale_tensor(ValueId v, bool inverse) {
    const auto key = std::pair{v, inverse};
    if (const auto it = scale_tensors_.find(key); it != scale_tensors_.end()) return it->second;
    const std::string& name = g_.values[static_cast<std::size_t>(v)].name;
    return scale_tensors_[key] = add_tensor(name + (inverse ? ".inv_scale" : ".scale"), PackScale{v, inverse});
  }

  // The int8 type a value has when an int8 step reads it (codegen/quantize.hpp).
  DType int8_type(ValueId v) const { return quantized_signed(m_, v) ? DType::kS8 : DType::kU8; }

  // The buffer holding value v as `want`: where it lives, or a converted copy made by a quantize
  // or dequantize step (once per value and type, before the first step that reads it).
  int input_buffer(ValueId v, DType want, const std::string& stage) {
    const int home = buffer_of(v);
    if (buf(home).dtype == want) return home;
    if (const auto it = converted_.find({v, want}); it != converted_.end()) return it->second;
    check_invariant(buf(home).layout == Layout::kBlocked, "an int8 conversion of a value that is not blocked");
    const bool to_int8 = want != DType::kF32;
    const DType from = buf(home).dtype;
    const int copy = value_buffer(v, Layout::kBlocked, halo(v), want);
    p_.buffers[static_cast<std::size_t>(copy)].name += to_int8 ? ".int8" : ".float";
    const kern::QuantCfg cfg{buf(home).geometry, buf(copy).geometry, (to_int8 ? want : from) == DType::kS8};
    const std::string& name = g_.values[static_cast<std::size_t>(v)].name;
    Step& s = add_step(name + (to_int8 ? ".quantize" : ".dequantize"), stage,
                       to_int8 ? Kernel::kQuantizeBlocked : Kernel::kDequantizeBlocked, cfg);
    s.comment =
        fmt::format("{} {} {} -> {}", name, to_int8 ? "quantize" : "dequantize", dtype_name(from), dtype_name(want));
    s.in0 = home;
    s.out = copy;
    s.weights = scale_tensor(v, to_int8);
    if (to_int8) p_.buffers[static_cast<std::size_t>(copy)].scale_tensor = scale_tensor(v, false);
    converted_[{v, want}] = copy;
    return copy;
  }

  int add_tensor(std::string name, PackRecipe recipe) {
    const std::int64_t floats = packed_floats(recipe);
    p_.tensors.push_back({std::move(name), std::move(recipe), floats, 0});
    return static_cast<int>(p_.tensors.size() - 1);
  }

  // A convolution's bias slot: its bias, or zeros for one without.
  int conv_bias(const Conv2d& c, const Node& node) {
    const std::string name = node.weights + ".bias";
    return add_tensor(name, PackChannels{c.bias ? name : "", c.out_channels, o_.isa.lanes});
  }

  // --- steps -----------------------------------------------------------------------------------
  Step& add_step(const std::string& name, const std::string& stage, Kernel kernel, KernelConfig config) {
    check_invariant(kernel_info(kernel).config == config.index(), "a step whose configuration does not fit its kernel");
    Step s;
    s.label = name;
    s.function = identifier(name, taken_);
    s.stage = stage;
    s.kernel = kernel;
    s.config = config;
    p_.steps.push_back(std::move(s));
    return p_.steps.back();
  }

  // The model input arrives as NCHW; copy it into the layout of its readers (with their halo).
  void stage_input() {
    const ValueId in = g_.input;
    const int user_id = add_buffer({"input", Layout::kNchw, Storage::kInput, geometry_of(p_.input_shape)});
    const auto& readers = consumers_[static_cast<std::size_t>(in)];
    // A network whose output is its input (a spec may say so) gets it back through the blocked layout.
    stem_input_ = p_.input_shape[1] <= kMaxStemChannels && !readers.empty() && in != g_.output &&
                  std::all_of(readers.begin(), readers.end(), [&](const Node* n) {
                    return std::holds_alternative<Conv2d>(n->op) && n->inputs[0] == in;
                  });
    const int staged = value_buffer(in, stem_input_ ? Layout::kPaddedNchw : Layout::kBlocked, halo(in));
    p_.buffers[static_cast<std::size_t>(staged)].name = "input.staged";
    buffer_of_[in] = staged;
    const std::string stage = g_.nodes.empty() ? "model" : g_.nodes.front().stage;
    const kern::ReorderCfg cfg{buf(staged).geometry, static_cast<int>(halo(in))};
    Step& s = add_step("stage_input", stage, stem_input_ ? Kernel::kNchwToPaddedNchw : Kernel::kNchwToBlocked, cfg);
    s.comment =
        fmt::format("input {} NCHW -> {}", to_string(p_.input_shape),
                    stem_input_ ? fmt::format("NCHW with a {}-pixel zero halo", halo(in)) : blocked_name(o_.isa.lanes));
    s.in0 = user_id;
    s.out = staged;
  }

  void lower_node(const Node& node) {
    const Shape& out_shape = g_.shape(node.output);
    const bool flat = out_shape.size() == 2;
    const bool int8 = is_int8_conv(m_, node);
    // The inputs in the type this node reads: converted first when they live in the other one.
    in0_ = input_buffer(node.inputs[0], int8 ? DType::kU8 : DType::kF32, node.stage);
    const ValueId second = second_input(node);
    in1_ = second < 0 ? -1 : input_buffer(second, int8 ? int8_type(second) : DType::kF32, node.stage);
    if (std::holds_alternative<Flatten>(node.op) && g_.shape(node.inputs[0]).size() == 2) {
      buffer_of_[node.output] = in0_;  // flatten of a flat tensor: same bytes
      return;
    }
    const DType out_type = !int8 ? DType::kF32 : epilogue(node).relu ? DType::kU8 : DType::kS8;
    const int out =
        value_buffer(node.output, flat ? Layout::kFlat : Layout::kBlocked, flat ? 0 : halo(node.output), out_type);
    buffer_of_[node.output] = out;
    if (int8) lower_qconv(std::get<Conv2d>(node.op), node, out);
    else std::visit([&](const auto& op) { lower_op(op, node, out); }, node.op);
    Step& s = p_.steps.back();
    s.out = out;
    s.in0 = in0_;
    s.in1 = in1_;
    s.flops = 2.0 * static_cast<double>(g_.macs(node));
    p_.flops += s.flops;
    if (s.comment.empty()) s.comment = describe(node, "");
  }

  std::string describe(const Node& node, const std::string& fused) const {
    const std::string summary = std::visit([](const auto& op) { return op.summary(); }, node.op);
    std::string text = fmt::format("{} {} {} -> {}", node.name, summary, to_string(g_.shape(node.inputs[0])),
                                   to_string(g_.shape(node.output)));
    if (!fused.empty()) text += ", fused: " + fused;
    return text;
  }

  const Buffer& buf(int id) const { return p_.buffers[static_cast<std::size_t>(id)]; }

  // Winograd where it beats the direct kernel, unless --exact asks for direct only: the output
  // tile (codegen/winograd.hpp, winograd_tile), 4 for F(4x4,3x3), 2 for F(2x2,3x3), 0 for direct.
  // Grouped convolutions run direct: the Winograd kernels reduce over all input channels.
  int use_winograd(const Conv2d& c, const Buffer& in, const Buffer& o) const {
    if (o_.exact || in.layout != Layout::kBlocked || c.kernel != 3 || c.stride != 1 || c.padding != 1 || c.groups != 1)
      return 0;
    return winograd_tile(o.geometry.h, o.geometry.w, in.geometry.c, o.geometry.c, o.geometry.n, o_.isa.lanes);
  }

  static std::string fused_epilogue(const Conv2d& c, const Epilogue& e) {
    const std::string fused = epilogue_summary(e);
    if (!c.bias || fused.empty()) return c.bias ? "bias" : fused;
    return fmt::format("bias+{}", fused);
  }

  void lower_winograd(const Conv2d& c, const Node& node, int out, int m) {
    const Buffer& in = buf(in0_);
    const Buffer& o = buf(out);
    const Epilogue e = epilogue(node);
    const Buffer& res = e.has_residual() ? buf(in1_) : o;
    const kern::Blocked& g = o.geometry;
    const std::int64_t tiles = std::int64_t{g.n} * ((g.h + m - 1) / m) * ((g.w + m - 1) / m);
    const int tile_block = choose_tile_block(tiles, (std::int64_t{in.geometry.c} + g.c + 1) / 2);
    const int oc_group = choose_oc_group(tiles, tile_block, g.c, o_.isa.lanes);
    const kern::WinogradCfg cfg{in.geometry, o.geometry, res.geometry, tile_block, e.has_residual(), e.relu, oc_group};
    Step& s = add_step(node.name, node.stage, m == 2 ? Kernel::kConv3x3WinogradF2 : Kernel::kConv3x3Winograd, cfg);
    s.comment = describe(node, fused_epilogue(c, e));
    s.scratch_floats = kern::winograd_scratch_floats(cfg, m);
    const std::string weight = node.weights + ".weight";
    s.weights = add_tensor(weight, PackWinograd{weight, g_.params(node).front().shape, o_.isa.lanes, m});
    s.bias = conv_bias(c, node);
  }

  void lower_op(const Conv2d& c, const Node& node, int out) {
    const Buffer& in = buf(in0_);
    if (const int m = use_winograd(c, in, buf(out)); m != 0) return lower_winograd(c, node, out, m);
    const bool stem = in.layout == Layout::kPaddedNchw;
    const Epilogue e = epilogue(node);
    const Buffer& res = e.has_residual() ? buf(in1_) : buf(out);
    const Buffer& o = buf(out);
    const kern::Blocked& g = o.geometry;
    const std::int64_t groups = kernel_groups(c.groups, in.geometry.c, g.c, o_.isa.lanes, stem);
    const ConvBlocking b = choose_conv_blocking({g.n, in.geometry.c, g.c, g.h, g.w, c.kernel, stem, groups}, o_.isa);
    const kern::ConvCfg cfg{.in = in.geometry,
                            .out = o.geometry,
                            .res = res.geometry,
                            .kernel = static_cast<int>(c.kernel),
                            .stride = static_cast<int>(c.stride),
                            .padding = static_cast<int>(c.padding),
                            .ow_block = b.ow_block,
                            .oh_block = b.oh_block,
                            .oc_blocks = b.oc_blocks,
                            .ic_chunk = b.ic_chunk,
                            .groups = static_cast<int>(groups),
                            .residual = e.has_residual(),
                            .relu = e.relu};
    Step& s = add_step(node.name, node.stage, stem ? Kernel::kConvNchwIn : Kernel::kConvBlocked, cfg);
    s.comment = describe(node, fused_epilogue(c, e)) + merged_groups(c, groups, in.geometry.c);
    const std::string weight = node.weights + ".weight";
    s.weights = add_tensor(
        weight, PackConv{weight, g_.params(node).front().shape, b.oc_blocks, o_.isa.lanes, stem, c.groups, groups});
    s.bias = conv_bias(c, node);
  }

  // What the comment says of groups packed as fewer, wider ones (codegen/conv_blocking.hpp).
  static std::string merged_groups(const Conv2d& c, std::int64_t kernel_groups, std::int64_t in_channels) {
    if (c.groups == kernel_groups) return "";
    if (kernel_groups == 1)
      return fmt::format(", {} groups run as one convolution (zero weights across groups)", c.groups);
    return fmt::format(", {} groups run as {} of {} input channels (block-diagonal weights)", c.groups, kernel_groups,
                       in_channels / kernel_groups);
  }

  // The exact int8 Winograd F(2x2, 3x3) where it beats the direct kernel (int8_winograd_pays),
  // unless --exact asks for direct only (its results are the same bytes either way). Its
  // `vpdpwssd` kernel exists on AVX-512 VNNI targets only.
  bool use_int8_winograd(const Conv2d& c, const Buffer& in, const Buffer& o) const {
    if (o_.exact || o_.int8_dot != Int8Dot::kVnni || c.kernel != 3 || c.stride != 1 || c.padding != 1 || c.groups != 1)
      return false;
    const kern::Blocked& g = o.geometry;
    return int8_winograd_pays(g.h, g.w, in.geometry.c, g.c, o_.isa.lanes);
  }

  void lower_qwinograd(const Conv2d& c, const Node& node, int out) {
    const Buffer& in = buf(in0_);
    const Buffer& o = buf(out);
    const Epilogue e = epilogue(node);
    const Buffer& res = e.has_residual() ? buf(in1_) : o;
    const kern::Blocked& g = o.geometry;
    const std::int64_t tiles = std::int64_t{g.n} * ((g.h + 1) / 2) * ((g.w + 1) / 2);
    const int oc_blocks = choose_qwinograd_oc_blocks(g.cb());
    const kern::QWinogradCfg cfg{.in = in.geometry,
                                 .out = o.geometry,
                                 .res = res.geometry,
                                 .tile_block = choose_qwinograd_tile_block(tiles, in.geometry.c),
                                 .oc_blocks = oc_blocks,
                                 .residual = e.has_residual(),
                                 .relu = e.relu,
                                 .res_signed = e.has_residual() && res.dtype == DType::kS8};
    Step& s = add_step(node.name, node.stage, Kernel::kQConv3x3WinogradF2, cfg);
    const QConvRecipe recipe = qconv_recipe(m_, node);
    finish_qconv(s, c, node, out, recipe, PackQWinograd{recipe, oc_blocks, o_.isa.lanes});
    // Whole 64-byte lines, so that every part's scratch stays aligned.
    s.scratch_floats = (kern::qwinograd_scratch_bytes(cfg) + 63) / 64 * kAlignFloats;
  }

  // What both int8 kernels share: the comment, the weights, the parameters and the output's scale.
  void finish_qconv(Step& s, const Conv2d& c, const Node& node, int out, const QConvRecipe& recipe,
                    PackRecipe weights) {
    s.comment = describe(node, fused_epilogue(c, epilogue(node))) + ", int8";
    s.weights = add_tensor(node.weights + ".weight.s8", std::move(weights));
    s.bias = add_tensor(node.weights + ".requantize", PackQConvParams{recipe, o_.isa.lanes});
    p_.buffers[static_cast<std::size_t>(out)].scale_tensor = scale_tensor(node.output, false);
  }

  // An int8 convolution (codegen/quantize.hpp): u8 input, s8 weights quantized at pack time with
  // the calibrated scales, the residual and ReLU fused into the requantization.
  void lower_qconv(const Conv2d& c, const Node& node, int out) {
    const Buffer& in = buf(in0_);
    const Buffer& o = buf(out);
    if (use_int8_winograd(c, in, o)) return lower_qwinograd(c, node, out);
    const Epilogue e = epilogue(node);
    const Buffer& res = e.has_residual() ? buf(in1_) : o;
    const kern::Blocked& g = o.geometry;
    const ConvBlocking b = choose_qconv_blocking({g.n, in.geometry.c, g.c, g.h, g.w, c.kernel, false}, o_.isa);
    const kern::QConvCfg cfg{.in = in.geometry,
                             .out = o.geometry,
                             .res = res.geometry,
                             .kernel = static_cast<int>(c.kernel),
                             .stride = static_cast<int>(c.stride),
                             .padding = static_cast<int>(c.padding),
                             .ow_block = b.ow_block,
                             .oh_block = b.oh_block,
                             .oc_blocks = b.oc_blocks,
                             .residual = e.has_residual(),
                             .relu = e.relu,
                             .res_signed = e.has_residual() && res.dtype == DType::kS8};
    Step& s = add_step(node.name, node.stage, Kernel::kQConvBlocked, cfg);
    const QConvRecipe recipe = qconv_recipe(m_, node);
    finish_qconv(s, c, node, out, recipe, PackQConv{recipe, b.oc_blocks, o_.isa.lanes});
  }

  void lower_op(const BatchNorm2d& bn, const Node& node, int out) {
    const std::int64_t channels = g_.shape(node.output)[1];
    const std::string& p = node.weights;
    Step& s = ewise(node, out, kern::Ewise::kAffine);
    s.weights = add_tensor(p + ".scale", PackBatchnorm{p, bn.eps, false, channels, o_.isa.lanes});
    s.bias = add_tensor(p + ".shift", PackBatchnorm{p, bn.eps, true, channels, o_.isa.lanes});
  }

  void lower_op(const Relu&, const Node& node, int out) { ewise(node, out, kern::Ewise::kRelu); }
  void lower_op(const Add&, const Node& node, int out) { ewise(node, out, kern::Ewise::kAdd); }

  Step& ewise(const Node& node, int out, kern::Ewise op) {
    const Buffer& o = buf(out);
    if (o.layout == Layout::kFlat)
      return add_step(node.name, node.stage, Kernel::kEwiseFlat, kern::FlatCfg{o.geometry.n, o.geometry.c, op});
    const Buffer& a = buf(in0_);
    const Buffer& b = node.inputs.size() > 1 ? buf(in1_) : a;
    return add_step(node.name, node.stage, Kernel::kEwiseBlocked,
                    kern::EwiseCfg{a.geometry, b.geometry, o.geometry, op});
  }

  void pool(const Node& node, int out, Kernel kernel, std::int64_t k, std::int64_t stride, std::int64_t pad,
            bool count_include_pad = true) {
    const kern::PoolCfg cfg{buf(in0_).geometry, buf(out).geometry, static_cast<int>(k), static_cast<int>(stride),
                            static_cast<int>(pad), count_include_pad};
    add_step(node.name, node.stage, kernel, cfg);
  }

  void lower_op(const MaxPool2d& p, const Node& node, int out) {
    pool(node, out, Kernel::kMaxpoolBlocked, p.kernel, p.stride, p.padding);
  }
  void lower_op(const AvgPool2d& p, const Node& node, int out) {
    pool(node, out, Kernel::kAvgpoolBlocked, p.kernel, p.stride, p.padding, p.count_include_pad);
  }
  void lower_op(const GlobalAvgPool&, const Node& node, int out) {
    pool(node, out, Kernel::kGlobalAvgpoolBlocked, 0, 1, 0);
  }

  void lower_op(const Flatten&, const Node& node, int) {
    add_step(node.name, node.stage, Kernel::kBlockedToNchw, kern::ReorderCfg{buf(in0_).geometry, 0});
  }

  void lower_op(const Linear& l, const Node& node, int out) {
    const Buffer& o = buf(out);
    const std::int64_t in_features = g_.shape(node.inputs[0])[1];
    Step& s = add_step(node.name, node.stage, Kernel::kLinear,
                       kern::LinearCfg{o.geometry.n, static_cast<int>(in_features), o.geometry.c});
    const std::string weight = node.weights + ".weight", bias = node.weights + ".bias";
    s.weights = add_tensor(weight, PackCopy{weight, l.out_features * in_features});
    s.bias = add_tensor(bias, PackCopy{l.bias ? bias : "", l.out_features});
  }

  // The caller's output is NCHW ([N,C,H,W]) or [N,F]: flat results are written there directly,
  // blocked ones through a final reorder.
  void finish_output() {
    const std::string stage = g_.nodes.empty() ? "model" : g_.nodes.back().stage;
    const int result = g_.output == g_.input ? buffer_of(g_.output) : input_buffer(g_.output, DType::kF32, stage);
    Buffer& r = p_.buffers[static_cast<std::size_t>(result)];
    if (r.layout == Layout::kFlat && r.storage == Storage::kArena && g_.output != g_.input) {
      r.storage = Storage::kOutput;
      return;
    }
    check_invariant(r.layout == Layout::kBlocked, "a network output that is neither flat nor blocked");
    const Buffer user{"output", Layout::kNchw, Storage::kOutput, geometry_of(p_.output_shape)};
    const kern::ReorderCfg cfg{r.geometry, 0};
    const std::string comment =
        fmt::format("output {} {} -> NCHW", to_string(p_.output_shape), blocked_name(r.geometry.lanes));
    const int user_id = add_buffer(user);  // may reallocate the buffers: `r` is not used after it
    Step& s = add_step("write_output", stage, Kernel::kBlockedToNchw, cfg);
    s.comment = comment;
    s.in0 = result;
    s.out = user_id;
  }

  void compute_liveness() {
    for (std::size_t i = 0; i < p_.steps.size(); ++i) {
      const int step = static_cast<int>(i);
      for (int id : {p_.steps[i].in0, p_.steps[i].in1, p_.steps[i].out}) {
        if (id < 0) continue;
        Buffer& b = p_.buffers[static_cast<std::size_t>(id)];
        if (b.first_step < 0) b.first_step = step;
        b.last_step = std::max(b.last_step, step);
      }
    }
  }

  void plan() {
    const ArenaPlan arena = plan_arena(p_.buffers);
    const std::string problem = arena.validate(p_.buffers);
    check_invariant(problem.empty(), "invalid arena plan: " + problem);
    for (std::size_t i = 0; i < p_.buffers.size(); ++i) p_.buffers[i].offset = arena.offsets[i];
    p_.arena_floats = arena.total_floats;
    p_.arena_lower_bound_floats = arena.lower_bound_floats;
    std::int64_t offset = 0;
    for (PackedTensor& t : p_.tensors) {
      t.offset = offset;
      offset += (t.floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
    }
    p_.payload_floats = offset;
    for (const Step& s : p_.steps) p_.scratch_floats = std::max(p_.scratch_floats, s.scratch_floats);
  }

  const Model& m_;
  const Graph& g_;
  const Epilogues& epilogues_;
  const LowerOptions& o_;
  Program p_;
  std::vector<std::vector<const Node*>> consumers_;
  std::map<ValueId, int> buffer_of_;                    // where each value lives
  std::map<std::pair<ValueId, DType>, int> converted_;  // its copies in the other type
  std::map<std::pair<ValueId, bool>, int> scale_tensors_;
  int in0_ = -1, in1_ = -1;  // the node being lowered reads these
  std::set<std::string> taken_;
  bool stem_input_ = false;
};

}  // namespace

Program lower(const Model& model, const LowerOptions& options) { return Lowering(model, options).run(); }

std::int64_t Buffer::floats() const { return dtype == DType::kF32 ? elements() : (elements() + 3) / 4; }

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kU8:
      return "u8";
    case DType::kS8:
      return "s8";
  }
  return "";
}

std::int64_t Buffer::elements() const {
  const kern::Blocked& g = geometry;
  const std::int64_t n = g.n, c = g.c, pixels = std::int64_t{g.h} * g.w, padded = std::int64_t{g.hp()} * g.wp();
  switch (layout) {
    case Layout::kBlocked:
      return n * round_up_channels(c, g.lanes) * padded;
    case Layout::kPaddedNchw:
      return n * c * padded;
    case Layout::kNchw:
      return n * c * pixels;
    case Layout::kFlat:
      return n * c;
  }
  return 0;
}

Shape Buffer::logical_shape() const {
  const kern::Blocked& g = geometry;
  return layout == Layout::kFlat ? Shape{g.n, g.c} : Shape{g.n, g.c, g.h, g.w};
}

kern::Blocked geometry_of(const Shape& shape, std::int64_t pad, int lanes) {
  const auto dim = [&](std::size_t i) { return i < shape.size() ? static_cast<int>(shape[i]) : 1; };
  return {dim(0), dim(1), dim(2), dim(3), static_cast<int>(pad), lanes};
}

std::string blocked_name(int lanes) { return fmt::format("NCHW{}c", lanes); }

}  // namespace rnc
