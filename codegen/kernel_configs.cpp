#include "codegen/kernel_configs.hpp"

#include <iterator>

#include <fmt/format.h>

#include "dsl/invariant.hpp"

namespace rnc {
namespace {

template <typename Config>
constexpr std::size_t config_index() {
  return KernelConfig(std::in_place_type<Config>).index();
}

constexpr KernelInfo kKernels[] = {
    {Kernel::kNchwToPaddedNchw, "rnc::kern::nchw_to_padded_nchw", "reorder", config_index<kern::ReorderCfg>()},
    {Kernel::kNchwToBlocked, "rnc::kern::nchw_to_blocked", "reorder", config_index<kern::ReorderCfg>()},
    {Kernel::kBlockedToNchw, "rnc::kern::blocked_to_nchw", "reorder", config_index<kern::ReorderCfg>()},
    {Kernel::kConvNchwIn, "rnc::kern::conv_nchw_in", "stem conv", config_index<kern::ConvCfg>()},
    {Kernel::kConvBlocked, "rnc::kern::conv_blocked", "direct conv", config_index<kern::ConvCfg>()},
    {Kernel::kConv3x3Winograd, "rnc::kern::conv3x3_winograd", "winograd F(4x4,3x3)", config_index<kern::WinogradCfg>()},
    {Kernel::kConv3x3WinogradF2, "rnc::kern::conv3x3_winograd_f2", "winograd F(2x2,3x3)",
     config_index<kern::WinogradCfg>()},
    {Kernel::kEwiseBlocked, "rnc::kern::ewise_blocked", "elementwise", config_index<kern::EwiseCfg>()},
    {Kernel::kEwiseFlat, "rnc::kern::ewise_flat", "elementwise", config_index<kern::FlatCfg>()},
    {Kernel::kMaxpoolBlocked, "rnc::kern::maxpool_blocked", "maxpool_blocked", config_index<kern::PoolCfg>()},
    {Kernel::kAvgpoolBlocked, "rnc::kern::avgpool_blocked", "avgpool_blocked", config_index<kern::PoolCfg>()},
    {Kernel::kGlobalAvgpoolBlocked, "rnc::kern::global_avgpool_blocked", "global_avgpool_blocked",
     config_index<kern::PoolCfg>()},
    {Kernel::kLinear, "rnc::kern::linear", "linear", config_index<kern::LinearCfg>()},
    {Kernel::kQConvBlocked, "rnc::kern::qconv_blocked", "int8 conv", config_index<kern::QConvCfg>()},
    {Kernel::kQConv3x3WinogradF2, "rnc::kern::qconv3x3_winograd", "int8 winograd F(2x2,3x3)",
     config_index<kern::QWinogradCfg>()},
    {Kernel::kQuantizeBlocked, "rnc::kern::quantize_blocked", "quantize", config_index<kern::QuantCfg>()},
    {Kernel::kDequantizeBlocked, "rnc::kern::dequantize_blocked", "dequantize", config_index<kern::QuantCfg>()},
};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kKernels); ++i)
    if (static_cast<std::size_t>(kKernels[i].kernel) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kKernels has one row per Kernel, in enum order");

const char* ewise_name(kern::Ewise op) {
  switch (op) {
    case kern::Ewise::kRelu:
      return "kRelu";
    case kern::Ewise::kAdd:
      return "kAdd";
    case kern::Ewise::kAddRelu:
      return "kAddRelu";
    case kern::Ewise::kAffine:
      return "kAffine";
    case kern::Ewise::kAffineRelu:
      return "kAffineRelu";
  }
  check_invariant(false, "an Ewise op without a name");
  return "";
}

// One printer per configuration. Each binds every field in declaration order, so a field added to
// a struct fails to compile here instead of in the generated project; the designated initializers
// of ConvCfg and WinogradCfg must follow that same order.
// ConvCfg's groups only when not 1, so code without groups stays as it was.
std::string print(const kern::ConvCfg& c) {
  const auto& [in, out, res, kernel, stride, padding, ow_block, oh_block, oc_blocks, ic_chunk, groups, residual, relu] =
      c;
  const std::string groups_field = groups == 1 ? "" : fmt::format(", .groups = {}", groups);
  return fmt::format(
      "rnc::kern::ConvCfg{{.in = {}, .out = {}, .res = {}, .kernel = {}, .stride = {}, .padding = {}, .ow_block = {}, "
      ".oh_block = {}, .oc_blocks = {}, .ic_chunk = {}{}, .residual = {}, .relu = {}}}",
      print_geometry(in), print_geometry(out), print_geometry(res), kernel, stride, padding, ow_block, oh_block,
      oc_blocks, ic_chunk, groups_field, residual, relu);
}

std::string print(const kern::WinogradCfg& c) {
  const auto& [in, out, res, tile_block, residual, relu, oc_group] = c;
  return fmt::format(
      "rnc::kern::WinogradCfg{{.in = {}, .out = {}, .res = {}, .tile_block = {}, .residual = {}, .relu = {}, .oc_group "
      "= {}}}",
      print_geometry(in), print_geometry(out), print_geometry(res), tile_block, residual, relu, oc_group);
}

std::string print(const kern::PoolCfg& c) {
  const auto& [in, out, kernel, stride, padding, count_include_pad] = c;
  return fmt::format("rnc::kern::PoolCfg{{{}, {}, {}, {}, {}{}}}", print_geometry(in), print_geometry(out), kernel,
                     stride, padding, count_include_pad ? "" : ", false");  // true is the default
}

std::string print(const kern::EwiseCfg& c) {
  const auto& [a, b, out, op] = c;
  return fmt::format("rnc::kern::EwiseCfg{{{}, {}, {}, rnc::kern::Ewise::{}}}", print_geometry(a), print_geometry(b),
                     print_geometry(out), ewise_name(op));
}

std::string print(const kern::FlatCfg& c) {
  const auto& [n, features, op] = c;
  return fmt::format("rnc::kern::FlatCfg{{{}, {}, rnc::kern::Ewise::{}}}", n, features, ewise_name(op));
}

std::string print(const kern::ReorderCfg& c) {
  const auto& [blocked, pad] = c;
  return fmt::format("rnc::kern::ReorderCfg{{{}, {}}}", print_geometry(blocked), pad);
}

std::string print(const kern::LinearCfg& c) {
  const auto& [n, in, out] = c;
  return fmt::format("rnc::kern::LinearCfg{{{}, {}, {}}}", n, in, out);
}

std::string print(const kern::QConvCfg& c) {
  const auto& [in, out, res, kernel, stride, padding, ow_block, oh_block, oc_blocks, residual, relu, res_signed] = c;
  return fmt::format(
      "rnc::kern::QConvCfg{{.in = {}, .out = {}, .res = {}, .kernel = {}, .stride = {}, .padding = {}, .ow_block = "
      "{}, .oh_block = {}, .oc_blocks = {}, .residual = {}, .relu = {}, .res_signed = {}}}",
      print_geometry(in), print_geometry(out), print_geometry(res), kernel, stride, padding, ow_block, oh_block,
      oc_blocks, residual, relu, res_signed);
}

std::string print(const kern::QWinogradCfg& c) {
  const auto& [in, out, res, tile_block, reg_tiles, oc_blocks, residual, relu, res_signed, prefetch] = c;
  return fmt::format(
      "rnc::kern::QWinogradCfg{{.in = {}, .out = {}, .res = {}, .tile_block = {}, .reg_tiles = {}, .oc_blocks = {}, "
      ".residual = {}, .relu = {}, .res_signed = {}, .prefetch = {}}}",
      print_geometry(in), print_geometry(out), print_geometry(res), tile_block, reg_tiles, oc_blocks, residual, relu,
      res_signed, prefetch);
}

std::string print(const kern::QuantCfg& c) {
  const auto& [in, out, is_signed] = c;
  return fmt::format("rnc::kern::QuantCfg{{{}, {}, {}}}", print_geometry(in), print_geometry(out), is_signed);
}

// The blocking of a direct convolution, float or int8: "3x3/s1, 2x8 px x 64 oc"; "3x3/s1/g8, ..."
// for the kernel's channel groups.
template <class Cfg>
std::string conv_label(std::string_view label, const Cfg& c) {
  const std::string pixels =
      c.oh_block > 1 ? fmt::format("{}x{}", c.oh_block, c.ow_block) : fmt::format("{}", c.ow_block);
  std::string groups;
  if constexpr (requires { c.groups; })
    if (c.groups > 1) groups = fmt::format("/g{}", c.groups);
  return fmt::format("{}{}x{}/s{}{}, {} px x {} oc", label, c.kernel, c.kernel, c.stride, groups, pixels,
                     c.oc_blocks * c.out.lanes);
}

}  // namespace

const KernelInfo& kernel_info(Kernel kernel) {
  const auto row = static_cast<std::size_t>(kernel);
  check_invariant(row < std::size(kKernels), "a kernel without a row in kKernels");
  return kKernels[row];
}

std::string print_config(const KernelConfig& config) {
  return std::visit([](const auto& c) { return print(c); }, config);
}

std::string print_geometry(const kern::Blocked& g) {
  const auto& [n, c, h, w, pad, lanes] = g;
  const std::string lanes_arg = lanes == kern::kDefaultLanes ? "" : fmt::format(", {}", lanes);
  return fmt::format("{{{}, {}, {}, {}, {}{}}}", n, c, h, w, pad, lanes_arg);
}

std::string profile_label(Kernel kernel, const KernelConfig& config) {
  const KernelInfo& info = kernel_info(kernel);
  check_invariant(info.config == config.index(), "a step whose configuration does not fit its kernel");
  if (const auto* conv = std::get_if<kern::ConvCfg>(&config)) return conv_label(info.label, *conv);
  if (const auto* qconv = std::get_if<kern::QConvCfg>(&config)) return conv_label(info.label, *qconv);
  if (const auto* wino = std::get_if<kern::WinogradCfg>(&config))
    return fmt::format("{}, {} tiles/chunk", info.label, wino->tile_block);
  if (const auto* qwino = std::get_if<kern::QWinogradCfg>(&config))
    return fmt::format("{}, {} tiles/chunk x {} oc", info.label, qwino->tile_block,
                       qwino->oc_blocks * qwino->out.lanes);
  if (const auto* ewise = std::get_if<kern::EwiseCfg>(&config); ewise && ewise->op == kern::Ewise::kAffine)
    return "batchnorm scale+shift";
  return std::string(info.label);
}

}  // namespace rnc
