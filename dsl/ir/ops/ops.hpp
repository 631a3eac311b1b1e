// The operators of the spec. One struct per op holds its attributes; its behaviour (attribute
// parsing, shape inference, parameters, cost, reference implementation) lives in dsl/ir/ops/<op>.cpp.
// Ops are dispatched through the `Op` variant with std::visit, never by comparing names.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dsl/attr_reader.hpp"
#include "dsl/diagnostics.hpp"
#include "dsl/ir/shape.hpp"

namespace rnc {

// A learned tensor an op needs: state_dict name = "<layer weights prefix>.<suffix>".
struct ParamSpec {
  std::string suffix;  // "weight", "bias", "running_mean", ...
  Shape shape;
};

using Shapes = std::span<const Shape>;
using TensorRefs = std::span<const Tensor* const>;

// Declares the members every op implements in its own file.
#define RNC_OP_INTERFACE(Type)                                                               \
  static Type parse(AttrReader& attrs);                                                      \
  std::optional<Shape> infer(Shapes in, Diagnostics& diags, const std::string& where) const; \
  std::vector<ParamSpec> params(Shapes in) const;                                            \
  std::int64_t macs(Shapes in, const Shape& out) const;                                      \
  void reference(TensorRefs in, TensorRefs params, Tensor& out) const;                       \
  std::string summary() const;

struct Conv2d {
  static constexpr std::string_view kName = "conv2d";
  static constexpr int kArity = 1;
  std::int64_t out_channels = 0;
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t padding = 0;
  std::int64_t groups = 1;  // input and output channels split into `groups` independent convolutions
  bool bias = true;
  RNC_OP_INTERFACE(Conv2d)
};

struct BatchNorm2d {
  static constexpr std::string_view kName = "batchnorm2d";
  static constexpr int kArity = 1;
  double eps = 1e-5;
  RNC_OP_INTERFACE(BatchNorm2d)
};

struct Relu {
  static constexpr std::string_view kName = "relu";
  static constexpr int kArity = 1;
  RNC_OP_INTERFACE(Relu)
};

struct MaxPool2d {
  static constexpr std::string_view kName = "maxpool2d";
  static constexpr int kArity = 1;
  std::int64_t kernel = 1;
  std::int64_t stride = 1;  // spec default: the kernel size, as in PyTorch
  std::int64_t padding = 0;
  RNC_OP_INTERFACE(MaxPool2d)
};

// With count_include_pad (PyTorch's default) padding counts as zeros in the average; without it
// the divisor is the number of input elements under the window (ONNX's default).
struct AvgPool2d {
  static constexpr std::string_view kName = "avgpool2d";
  static constexpr int kArity = 1;
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t padding = 0;
  bool count_include_pad = true;
  RNC_OP_INTERFACE(AvgPool2d)
};

struct GlobalAvgPool {
  static constexpr std::string_view kName = "global_avgpool";
  static constexpr int kArity = 1;
  RNC_OP_INTERFACE(GlobalAvgPool)
};

struct Flatten {
  static constexpr std::string_view kName = "flatten";
  static constexpr int kArity = 1;
  RNC_OP_INTERFACE(Flatten)
};

struct Linear {
  static constexpr std::string_view kName = "linear";
  static constexpr int kArity = 1;
  std::int64_t out_features = 0;
  bool bias = true;
  RNC_OP_INTERFACE(Linear)
};

struct Add {
  static constexpr std::string_view kName = "add";
  static constexpr int kArity = 2;
  RNC_OP_INTERFACE(Add)
};

#undef RNC_OP_INTERFACE

using Op = std::variant<Conv2d, BatchNorm2d, Relu, MaxPool2d, AvgPool2d, GlobalAvgPool, Flatten, Linear, Add>;

// Parses the attributes of the op called `name`; nullopt (and a diagnostic) for an unknown name.
std::optional<Op> parse_op(std::string_view name, AttrReader& attrs, const Location& op_where);
std::string_view op_name(const Op& op);
int op_arity(const Op& op);
// Names of every op, for "unknown op" messages and docs.
std::vector<std::string_view> op_names();

// Shared helpers for the pooling and convolution ops.
namespace ops_detail {
// Output size of a sliding window; nullopt when the window does not fit the padded input.
std::optional<std::int64_t> window_out(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t padding);
// Checks a rank-4 input and the window against it; returns the output shape or reports.
std::optional<Shape> infer_window(const Shape& in, std::int64_t channels, std::int64_t kernel, std::int64_t stride,
                                  std::int64_t padding, Diagnostics& diags, const std::string& where,
                                  std::string_view op);
bool expect_rank(const Shape& in, std::size_t rank, Diagnostics& diags, const std::string& where, std::string_view op);
// kernel (required), stride (default: the kernel) and padding (at most kernel/2, PyTorch's rule)
// of a pooling window.
void parse_window(AttrReader& a, std::int64_t& kernel, std::int64_t& stride, std::int64_t& padding);
}  // namespace ops_detail

}  // namespace rnc
