// Stage macros: `residual` and `resnet_block` expand into plain nodes exactly as the seed
// notebook's Residual and resnet_block build their modules, with the same child names, so the
// state_dict keys line up (1.0.conv1.weight, 2.0.conv3.bias, ...).
#pragma once

#include <cstdint>
#include <string>

#include "dsl/attr_reader.hpp"
#include "dsl/graph_builder.hpp"

namespace rnc {

// Where a macro instance sits: its node-name prefix, state_dict prefix, stage and spec pointer.
struct MacroSite {
  std::string unit;     // node-name prefix, e.g. "b3.0"
  std::string weights;  // state_dict prefix, e.g. "2.0"
  std::string stage;
  std::string where;
};

struct ResidualAttrs {
  std::int64_t out_channels = 0;
  bool use_1x1conv = false;
  std::int64_t strides = 1;
};

struct ResnetBlockAttrs {
  std::int64_t out_channels = 0;
  std::int64_t num_residuals = 1;
  bool first_block = false;
};

ResidualAttrs parse_residual(AttrReader& attrs);
ResnetBlockAttrs parse_resnet_block(AttrReader& attrs);

// Y = relu(bn1(conv1(X))); Y = bn2(conv2(Y)); X = conv3(X) if use_1x1conv; relu(Y + X).
ValueId expand_residual(GraphBuilder& b, const ResidualAttrs& attrs, ValueId x, const MacroSite& site);
// num_residuals Residuals; the first one projects (1x1 conv, stride 2) unless first_block.
ValueId expand_resnet_block(GraphBuilder& b, const ResnetBlockAttrs& attrs, ValueId x, const MacroSite& site);

// Expands the macro called `name` when there is one; nullopt when `name` is not a macro.
std::optional<ValueId> expand_macro(std::string_view name, GraphBuilder& b, AttrReader& attrs, ValueId x,
                                    const MacroSite& site);
bool is_macro(std::string_view name);

}  // namespace rnc
