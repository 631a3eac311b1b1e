// The default weights prefixes (docs/spec.md, section 7.2): the names PyTorch gives the modules
// when the network is written the notebook's way, net = nn.Sequential(b1, ..., b5, pool, flatten,
// linear). Each stage is one child of `net`; the stage "head" is not, its layers are.
#pragma once

#include <cstddef>
#include <optional>

#include "dsl/graph_builder.hpp"
#include "dsl/spec_value.hpp"

namespace rnc {

class DefaultPrefixes {
 public:
  // Moves on to `stage`, the next stage in the file.
  void enter(const SpecValue& stage);
  // The default prefix of the current stage (a macro stage), and of its layer j.
  Prefix stage() const;
  Prefix layer(std::size_t j) const;

 private:
  // The layers of a stage, or nullopt when an error hides them.
  static std::optional<std::size_t> layer_count(const SpecValue& stage);

  std::size_t first_ = 0;  // the current stage's first child of `net`
  std::size_t next_ = 0;
  bool flat_ = false;  // the current stage is "head"
  PrefixSource source_ = PrefixSource::kDefault;
  PrefixSource next_source_ = PrefixSource::kDefault;
};

}  // namespace rnc
