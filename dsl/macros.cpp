#include "dsl/macros.hpp"

#include <algorithm>
#include <variant>

#include <fmt/format.h>

namespace rnc {
namespace {

// Adds the macro's child `child`: node U.child, with weights prefix P.child if it has parameters.
ValueId add_child(GraphBuilder& b, const MacroSite& site, const std::string& child, Op op, std::vector<ValueId> inputs,
                  bool has_weights) {
  Node n;
  n.name = site.unit + "." + child;
  n.stage = site.stage;
  n.weights = has_weights ? site.weights.name + "." + child : "";
  n.where = site.where;
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  return b.add(std::move(n), site.weights);
}

MacroSite child_site(const MacroSite& site, std::int64_t index) {
  const std::string i = std::to_string(index);
  Prefix weights = site.weights;
  weights.name += "." + i;
  return {site.unit + "." + i, std::move(weights), site.stage, site.where};
}

Conv2d conv3x3(std::int64_t channels, std::int64_t stride) {
  return Conv2d{.out_channels = channels, .kernel = 3, .stride = stride, .padding = 1};
}

// torchvision's convs have no bias: the batchnorm after each one supplies it.
Conv2d conv_no_bias(std::int64_t channels, std::int64_t kernel, std::int64_t stride) {
  return Conv2d{.out_channels = channels, .kernel = kernel, .stride = stride, .padding = kernel / 2, .bias = false};
}

// conv then batchnorm, named `conv` and `bn` under the site.
ValueId conv_bn(GraphBuilder& b, const MacroSite& site, const std::string& conv, const std::string& bn, Conv2d op,
                ValueId x) {
  const ValueId y = add_child(b, site, conv, op, {x}, true);
  return add_child(b, site, bn, BatchNorm2d{}, {y}, true);
}

// Channels of x; 0 when x failed or has no channel axis (its consumers report that).
std::int64_t channels_of(GraphBuilder& b, ValueId x) {
  if (x == kInvalidValue) return 0;
  const Shape& s = b.graph().shape(x);
  return s.size() == 4 ? s[1] : 0;
}

BlockKind parse_block_kind(AttrReader& a) {
  const std::string kind = a.string("block", "basic");
  if (kind == "bottleneck") return BlockKind::kBottleneck;
  if (a.valid("block") && kind != "basic")
    a.diags().error(a.where_of("block"), fmt::format("expected \"basic\" or \"bottleneck\", found \"{}\"", kind));
  return BlockKind::kBasic;
}

// The largest `planes` whose expanded channel count still fits an integer attribute.
std::int64_t max_planes(BlockKind kind) { return kMaxDim / expansion(kind); }

// groups and width_per_group of a block of `kind` with `planes` (read before): a bottleneck's
// inner width must be a channel count; a basic block refuses them as torchvision's BasicBlock does.
BlockWidth parse_block_width(AttrReader& a, BlockKind kind, std::int64_t planes) {
  BlockWidth w;
  w.groups = a.integer("groups", 1, 1);
  w.width_per_group = a.integer("width_per_group", 64, 1);
  const auto usable = [&](std::string_view key) { return !a.has(key) || a.valid(key); };
  if (!a.valid("planes") || !usable("groups") || !usable("width_per_group")) return w;  // reported already
  const char* key = a.has("width_per_group") ? "width_per_group" : a.has("groups") ? "groups" : "planes";
  if (kind == BlockKind::kBasic) {
    if (w.groups != 1 || w.width_per_group != 64)
      a.diags().error(a.where_of(key), fmt::format("a basic block has groups 1 and width_per_group 64 "
                                                   "(torchvision's BasicBlock), found groups {} and width_per_group {}",
                                                   w.groups, w.width_per_group));
    return w;
  }
  const std::int64_t per_group = planes * w.width_per_group / 64;
  if (per_group < 1 || per_group > kMaxDim / w.groups)
    a.diags().error(a.where_of(key),
                    fmt::format("the bottleneck's width int(planes * width_per_group / 64) * groups = int({} * {} / "
                                "64) * {} must be in [1, {}]",
                                planes, w.width_per_group, w.groups, kMaxDim));
  return w;
}

using MacroAttrs = std::variant<ResidualAttrs, ResnetBlockAttrs, TorchvisionBlockAttrs, ResnetLayerAttrs>;

struct MacroEntry {
  std::string_view name;
  MacroAttrs (*parse)(AttrReader&);
};

const MacroEntry kMacros[] = {
    {"residual", [](AttrReader& a) -> MacroAttrs { return parse_residual(a); }},
    {"resnet_block", [](AttrReader& a) -> MacroAttrs { return parse_resnet_block(a); }},
    {"basic_block", [](AttrReader& a) -> MacroAttrs { return parse_torchvision_block(a, BlockKind::kBasic); }},
    {"bottleneck", [](AttrReader& a) -> MacroAttrs { return parse_torchvision_block(a, BlockKind::kBottleneck); }},
    {"resnet_layer", [](AttrReader& a) -> MacroAttrs { return parse_resnet_layer(a); }},
};

const MacroEntry* find_macro(std::string_view name) {
  const auto it =
      std::find_if(std::begin(kMacros), std::end(kMacros), [&](const MacroEntry& m) { return m.name == name; });
  return it == std::end(kMacros) ? nullptr : &*it;
}

ValueId expand(GraphBuilder& b, const ResidualAttrs& r, ValueId x, const MacroSite& s) {
  return expand_residual(b, r, x, s);
}
ValueId expand(GraphBuilder& b, const ResnetBlockAttrs& r, ValueId x, const MacroSite& s) {
  return expand_resnet_block(b, r, x, s);
}
ValueId expand(GraphBuilder& b, const TorchvisionBlockAttrs& r, ValueId x, const MacroSite& s) {
  return expand_torchvision_block(b, r, x, s);
}
ValueId expand(GraphBuilder& b, const ResnetLayerAttrs& r, ValueId x, const MacroSite& s) {
  return expand_resnet_layer(b, r, x, s);
}

}  // namespace

std::int64_t expansion(BlockKind kind) { return kind == BlockKind::kBottleneck ? 4 : 1; }

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

TorchvisionBlockAttrs parse_torchvision_block(AttrReader& a, BlockKind kind) {
  TorchvisionBlockAttrs r;
  r.kind = kind;
  r.planes = a.integer("planes", std::nullopt, 1, max_planes(kind));
  r.stride = a.integer("stride", 1, 1);
  const bool downsample = a.boolean("downsample", false);
  if (a.valid("downsample")) r.downsample = downsample;
  r.width = parse_block_width(a, kind, r.planes);
  return r;
}

ResnetLayerAttrs parse_resnet_layer(AttrReader& a) {
  ResnetLayerAttrs r;
  r.kind = parse_block_kind(a);
  r.planes = a.integer("planes", std::nullopt, 1, max_planes(r.kind));
  r.blocks = a.integer("blocks", std::nullopt, 1, 4096);
  r.stride = a.integer("stride", 1, 1);
  r.width = parse_block_width(a, r.kind, r.planes);
  return r;
}

ValueId expand_residual(GraphBuilder& b, const ResidualAttrs& r, ValueId x, const MacroSite& site) {
  ValueId y = add_child(b, site, "conv1", conv3x3(r.out_channels, r.strides), {x}, true);
  y = add_child(b, site, "bn1", BatchNorm2d{}, {y}, true);
  y = add_child(b, site, "relu1", Relu{}, {y}, false);
  y = add_child(b, site, "conv2", conv3x3(r.out_channels, 1), {y}, true);
  y = add_child(b, site, "bn2", BatchNorm2d{}, {y}, true);
  ValueId shortcut = x;
  if (r.use_1x1conv)
    shortcut = add_child(b, site, "conv3", Conv2d{.out_channels = r.out_channels, .kernel = 1, .stride = r.strides},
                         {x}, true);
  y = add_child(b, site, "add", Add{}, {y, shortcut}, false);
  return add_child(b, site, "relu2", Relu{}, {y}, false);
}

ValueId expand_resnet_block(GraphBuilder& b, const ResnetBlockAttrs& r, ValueId x, const MacroSite& site) {
  for (std::int64_t i = 0; i < r.num_residuals; ++i) {
    const bool project = i == 0 && !r.first_block;
    x = expand_residual(b, {r.out_channels, project, project ? 2 : 1}, x, child_site(site, i));
  }
  return x;
}

ValueId expand_torchvision_block(GraphBuilder& b, const TorchvisionBlockAttrs& r, ValueId x, const MacroSite& site) {
  const std::int64_t out_channels = r.planes * expansion(r.kind);
  const bool downsample = r.downsample.value_or(r.stride != 1 || channels_of(b, x) != out_channels);
  ValueId y = x;
  int relu = 0;
  const auto relu_next = [&] { y = add_child(b, site, fmt::format("relu{}", ++relu), Relu{}, {y}, false); };
  if (r.kind == BlockKind::kBasic) {
    y = conv_bn(b, site, "conv1", "bn1", conv_no_bias(r.planes, 3, r.stride), y);
    relu_next();
    y = conv_bn(b, site, "conv2", "bn2", conv_no_bias(r.planes, 3, 1), y);
  } else {
    const std::int64_t width = r.width.inner(r.planes);
    Conv2d grouped = conv_no_bias(width, 3, r.stride);
    grouped.groups = r.width.groups;
    y = conv_bn(b, site, "conv1", "bn1", conv_no_bias(width, 1, 1), y);
    relu_next();
    y = conv_bn(b, site, "conv2", "bn2", grouped, y);
    relu_next();
    y = conv_bn(b, site, "conv3", "bn3", conv_no_bias(out_channels, 1, 1), y);
  }
  const ValueId shortcut =
      downsample ? conv_bn(b, site, "downsample.0", "downsample.1", conv_no_bias(out_channels, 1, r.stride), x) : x;
  y = add_child(b, site, "add", Add{}, {y, shortcut}, false);
  relu_next();
  return y;
}

ValueId expand_resnet_layer(GraphBuilder& b, const ResnetLayerAttrs& r, ValueId x, const MacroSite& site) {
  for (std::int64_t i = 0; i < r.blocks; ++i)
    x = expand_torchvision_block(b, {r.kind, r.planes, i == 0 ? r.stride : 1, std::nullopt, r.width}, x,
                                 child_site(site, i));
  return x;
}

bool is_macro(std::string_view name) { return find_macro(name) != nullptr; }

const std::vector<std::string_view>& macro_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const MacroEntry& m : kMacros) out.push_back(m.name);
    return out;
  }();
  return names;
}

std::optional<ValueId> expand_macro(std::string_view name, GraphBuilder& b, AttrReader& attrs, ValueId x,
                                    const MacroSite& site) {
  const MacroEntry* macro = find_macro(name);
  if (!macro) return std::nullopt;
  // Bad attributes were reported; expanding them would only add follow-on errors.
  const std::size_t errors_before = attrs.diags().items().size();
  const MacroAttrs parsed = macro->parse(attrs);
  if (attrs.diags().items().size() != errors_before) return kInvalidValue;
  return std::visit([&](const auto& m) { return expand(b, m, x, site); }, parsed);
}

}  // namespace rnc
