#include "dsl/macros.hpp"

namespace rnc {
namespace {

Node make_node(const MacroSite& site, const std::string& child, Op op, std::vector<ValueId> inputs, bool has_weights) {
  Node n;
  n.name = site.unit + "." + child;
  n.stage = site.stage;
  n.weights = has_weights ? site.weights + "." + child : "";
  n.where = site.where;
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  return n;
}

Conv2d conv3x3(std::int64_t channels, std::int64_t stride) {
  return Conv2d{.out_channels = channels, .kernel = 3, .stride = stride, .padding = 1};
}

}  // namespace

ResidualAttrs parse_residual(AttrReader& a) {
  ResidualAttrs r;
  r.out_channels = a.integer("out_channels", std::nullopt, 1);
  r.use_1x1conv = a.boolean("use_1x1conv", false);
  r.strides = a.integer("strides", 1, 1);
  return r;
}

ResnetBlockAttrs parse_resnet_block(AttrReader& a) {
  ResnetBlockAttrs r;
  r.out_channels = a.integer("out_channels", std::nullopt, 1);
  r.num_residuals = a.integer("num_residuals", std::nullopt, 1, 4096);
  r.first_block = a.boolean("first_block", false);
  return r;
}

ValueId expand_residual(GraphBuilder& b, const ResidualAttrs& r, ValueId x, const MacroSite& site) {
  ValueId y = b.add(make_node(site, "conv1", conv3x3(r.out_channels, r.strides), {x}, true));
  y = b.add(make_node(site, "bn1", BatchNorm2d{}, {y}, true));
  y = b.add(make_node(site, "relu1", Relu{}, {y}, false));
  y = b.add(make_node(site, "conv2", conv3x3(r.out_channels, 1), {y}, true));
  y = b.add(make_node(site, "bn2", BatchNorm2d{}, {y}, true));
  ValueId shortcut = x;
  if (r.use_1x1conv)
    shortcut = b.add(make_node(site, "conv3", Conv2d{.out_channels = r.out_channels, .kernel = 1, .stride = r.strides},
                               {x}, true));
  y = b.add(make_node(site, "add", Add{}, {y, shortcut}, false));
  return b.add(make_node(site, "relu2", Relu{}, {y}, false));
}

ValueId expand_resnet_block(GraphBuilder& b, const ResnetBlockAttrs& r, ValueId x, const MacroSite& site) {
  for (std::int64_t i = 0; i < r.num_residuals; ++i) {
    const bool project = i == 0 && !r.first_block;
    const MacroSite unit{site.unit + "." + std::to_string(i), site.weights + "." + std::to_string(i), site.stage,
                         site.where};
    x = expand_residual(b, {r.out_channels, project, project ? 2 : 1}, x, unit);
  }
  return x;
}

bool is_macro(std::string_view name) { return name == "residual" || name == "resnet_block"; }

std::optional<ValueId> expand_macro(std::string_view name, GraphBuilder& b, AttrReader& attrs, ValueId x,
                                    const MacroSite& site) {
  // Bad attributes were reported; expanding them would only add follow-on errors.
  const std::size_t errors_before = attrs.diags().items().size();
  const auto attrs_ok = [&] { return attrs.diags().items().size() == errors_before; };
  if (name == "residual") {
    const ResidualAttrs r = parse_residual(attrs);
    return attrs_ok() ? expand_residual(b, r, x, site) : kInvalidValue;
  }
  if (name == "resnet_block") {
    const ResnetBlockAttrs r = parse_resnet_block(attrs);
    return attrs_ok() ? expand_resnet_block(b, r, x, site) : kInvalidValue;
  }
  return std::nullopt;
}

}  // namespace rnc
