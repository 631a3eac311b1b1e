// Name-based lookup over the Op variant's alternatives, generated from their kName constants.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dsl/ir/ops/ops.hpp"

namespace rnc {
namespace {

template <std::size_t... I>
std::optional<Op> parse_by_name(std::string_view name, AttrReader& attrs, std::index_sequence<I...>) {
  std::optional<Op> result;
  // Exactly one alternative matches; the fold stops at it.
  (void)((std::variant_alternative_t<I, Op>::kName == name
              ? (result.emplace(std::in_place_index<I>, std::variant_alternative_t<I, Op>::parse(attrs)), true)
              : false) ||
         ...);
  return result;
}

template <std::size_t... I>
std::vector<std::string_view> names(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, Op>::kName...};
}

}  // namespace

std::vector<std::string_view> op_names() { return names(std::make_index_sequence<std::variant_size_v<Op>>{}); }

std::optional<Op> parse_op(std::string_view name, AttrReader& attrs, const Location& op_where) {
  auto op = parse_by_name(name, attrs, std::make_index_sequence<std::variant_size_v<Op>>{});
  if (!op) {
    attrs.diags().error(op_where, fmt::format("unknown op \"{}\" (expected one of: {}, or a stage macro)", name,
                                              fmt::join(op_names(), ", ")));
  }
  return op;
}

std::string_view op_name(const Op& op) {
  return std::visit([](const auto& o) { return std::decay_t<decltype(o)>::kName; }, op);
}

int op_arity(const Op& op) {
  return std::visit([](const auto& o) { return std::decay_t<decltype(o)>::kArity; }, op);
}

namespace ops_detail {

std::optional<std::int64_t> window_out(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                                       std::int64_t padding) {
  const std::int64_t padded = in + 2 * padding;
  if (padded < kernel || stride < 1) return std::nullopt;
  return (padded - kernel) / stride + 1;
}

bool expect_rank(const Shape& in, std::size_t rank, Diagnostics& diags, const std::string& where, std::string_view op) {
  if (in.size() == rank) return true;
  diags.error(where, fmt::format("{} expects a rank-{} input, got {}", op, rank, to_string(in)));
  return false;
}

std::optional<Shape> infer_window(const Shape& in, std::int64_t channels, std::int64_t kernel, std::int64_t stride,
                                  std::int64_t padding, Diagnostics& diags, const std::string& where,
                                  std::string_view op) {
  if (!expect_rank(in, 4, diags, where, op)) return std::nullopt;
  const auto oh = window_out(in[2], kernel, stride, padding);
  const auto ow = window_out(in[3], kernel, stride, padding);
  if (!oh || !ow) {
    diags.error(where, fmt::format("{}: kernel {} is larger than the padded input {}x{} (input {}, padding {})", op,
                                   kernel, in[2] + 2 * padding, in[3] + 2 * padding, to_string(in), padding));
    return std::nullopt;
  }
  Shape out{in[0], channels, *oh, *ow};
  if (!checked_numel(out)) {
    diags.error(where, fmt::format("{}: output {} has too many elements", op, to_string(out)));
    return std::nullopt;
  }
  return out;
}

void parse_window(AttrReader& a, std::int64_t& kernel, std::int64_t& stride, std::int64_t& padding) {
  kernel = a.integer("kernel", std::nullopt, 1);
  stride = a.integer("stride", kernel, 1);
  padding = a.integer("padding", 0, 0);
  if (padding > kernel / 2)
    a.diags().error(a.where_of("padding"),
                    fmt::format("expected padding <= kernel/2 = {} (PyTorch's rule), found {}", kernel / 2, padding));
}

}  // namespace ops_detail
}  // namespace rnc
