// The kernels a lowered step may call and their configurations, as data. A configuration is the
// runtime's own struct (runtime/kernels/*.hpp), so codegen and the generated code agree on its
// fields by construction; print_config() turns one into the C++ initializer the generated layer
// function instantiates its kernel with, and the model hash covers the same text. One table
// (kernel_info) gives each kernel its C++ name, its profile label and the configuration it takes.
//
// Adding a kernel: its configuration struct and kernel template in runtime/kernels/, the struct
// in KernelConfig and its printer in kernel_configs.cpp, a row in kKernels, and the rule that
// chooses it in codegen/lower.cpp (docs/codegen.md, "Adding a kernel").
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "runtime/kernels/conv_direct.hpp"
#include "runtime/kernels/elementwise.hpp"
#include "runtime/kernels/linear.hpp"
#include "runtime/kernels/pool.hpp"
#include "runtime/kernels/qconv.hpp"
#include "runtime/kernels/qwinograd.hpp"
#include "runtime/kernels/reorder.hpp"
#include "runtime/kernels/winograd.hpp"

namespace rnc {

using KernelConfig =
    std::variant<kern::ConvCfg, kern::WinogradCfg, kern::PoolCfg, kern::EwiseCfg, kern::FlatCfg, kern::ReorderCfg,
                 kern::LinearCfg, kern::QConvCfg, kern::QuantCfg, kern::QWinogradCfg>;

enum class Kernel {
  kNchwToPaddedNchw,
  kNchwToBlocked,
  kBlockedToNchw,
  kConvNchwIn,
  kConvBlocked,
  kConv3x3Winograd,
  kConv3x3WinogradF2,
  kEwiseBlocked,
  kEwiseFlat,
  kMaxpoolBlocked,
  kAvgpoolBlocked,
  kGlobalAvgpoolBlocked,
  kLinear,
  kQConvBlocked,
  kQConv3x3WinogradF2,
  kQuantizeBlocked,
  kDequantizeBlocked,
};

struct KernelInfo {
  Kernel kernel;
  std::string_view function;  // the kernel template, e.g. "rnc::kern::conv_blocked"
  std::string_view label;     // what --profile shows (convolutions add their blocking)
  std::size_t config;         // KernelConfig alternative it takes
};

const KernelInfo& kernel_info(Kernel kernel);

// "rnc::kern::ConvCfg{.in = {1, 64, 56, 56, 1}, ...}": a C++ initializer of the configuration.
std::string print_config(const KernelConfig& config);
// "{n, c, h, w, pad[, lanes]}": the lanes only when they are not the default, so NCHW16c code stays as it was.
std::string print_geometry(const kern::Blocked& geometry);
// The algorithm column of --profile: the kernel's label, with the blocking for convolutions.
std::string profile_label(Kernel kernel, const KernelConfig& config);

}  // namespace rnc
