// Stage macros expand into plain nodes exactly as the PyTorch code they mirror builds its modules,
// with the same child names, so the state_dict keys line up:
//   residual, resnet_block         the seed notebook's Residual and resnet_block (1.0.conv1.weight,
//                                  2.0.conv3.bias, ...);
//   basic_block, bottleneck,       torchvision's BasicBlock, Bottleneck and ResNet._make_layer
//   resnet_layer                   (layer1.0.conv1.weight, layer2.0.downsample.1.running_var, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/attr_reader.hpp"
#include "dsl/graph_builder.hpp"

namespace rnc {

// Where a macro instance sits: its node-name prefix, state_dict prefix, stage and spec entry.
struct MacroSite {
  std::string unit;  // node-name prefix, e.g. "b3.0"
  Prefix weights;    // state_dict prefix, e.g. "2.0"; the children's prefixes derive from it
  std::string stage;
  Location where;
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

// torchvision's two residual blocks; a Bottleneck's output has expansion * planes channels.
enum class BlockKind { kBasic, kBottleneck };
std::int64_t expansion(BlockKind kind);

// A bottleneck's inner width, torchvision's `int(planes * (base_width / 64.)) * groups`, and the
// groups of its 3x3 convolution: ResNeXt (groups 32, width_per_group 4) and Wide ResNet
// (width_per_group 128). A basic block has groups 1 and width_per_group 64, as torchvision's.
struct BlockWidth {
  std::int64_t groups = 1;
  std::int64_t width_per_group = 64;
  std::int64_t inner(std::int64_t planes) const { return planes * width_per_group / 64 * groups; }
};

// basic_block / bottleneck: one torchvision block. Without `downsample` the block projects its
// shortcut exactly when torchvision's _make_layer would: stride != 1 or a change of channels.
struct TorchvisionBlockAttrs {
  BlockKind kind = BlockKind::kBasic;
  std::int64_t planes = 0;
  std::int64_t stride = 1;
  std::optional<bool> downsample;
  BlockWidth width;
};

// resnet_layer: torchvision's ResNet._make_layer(block, planes, blocks, stride), with the
// ResNet's groups and width_per_group.
struct ResnetLayerAttrs {
  BlockKind kind = BlockKind::kBasic;
  std::int64_t planes = 0;
  std::int64_t blocks = 1;
  std::int64_t stride = 1;
  BlockWidth width;
};

ResidualAttrs parse_residual(AttrReader& attrs);
ResnetBlockAttrs parse_resnet_block(AttrReader& attrs);
TorchvisionBlockAttrs parse_torchvision_block(AttrReader& attrs, BlockKind kind);
ResnetLayerAttrs parse_resnet_layer(AttrReader& attrs);

// Y = relu(bn1(conv1(X))); Y = bn2(conv2(Y)); X = conv3(X) if use_1x1conv; relu(Y + X).
ValueId expand_residual(GraphBuilder& b, const ResidualAttrs& attrs, ValueId x, const MacroSite& site);
// num_residuals Residuals; the first one projects (1x1 conv, stride 2) unless first_block.
ValueId expand_resnet_block(GraphBuilder& b, const ResnetBlockAttrs& attrs, ValueId x, const MacroSite& site);
// BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), bias-free 3x3 convs.
// Bottleneck: 1x1 to the inner width -> 3x3 grouped (carries the stride, torchvision v1.5) -> 1x1 to
// 4 * planes, then the same join.
// shortcut(x) = downsample.1(downsample.0(x)), a bias-free 1x1 conv and a batchnorm, or x itself.
ValueId expand_torchvision_block(GraphBuilder& b, const TorchvisionBlockAttrs& attrs, ValueId x, const MacroSite& site);
// `blocks` blocks named U.0 .. U.<blocks-1>; block 0 carries the stride.
ValueId expand_resnet_layer(GraphBuilder& b, const ResnetLayerAttrs& attrs, ValueId x, const MacroSite& site);

// Expands the macro called `name` when there is one; nullopt when `name` is not a macro.
std::optional<ValueId> expand_macro(std::string_view name, GraphBuilder& b, AttrReader& attrs, ValueId x,
                                    const MacroSite& site);
bool is_macro(std::string_view name);
// Every macro name, for messages ("residual, resnet_block, ...").
const std::vector<std::string_view>& macro_names();

}  // namespace rnc
