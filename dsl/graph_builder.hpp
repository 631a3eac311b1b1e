// Builds a Graph node by node for the spec readers and the stage macros: resolves value names,
// infers each shape as the node is added and records every problem in Diagnostics. A node whose
// input failed gets no shape and reports nothing more, so one mistake yields one message.
#pragma once

#include <map>
#include <string>

#include "dsl/diagnostics.hpp"
#include "dsl/graph.hpp"

namespace rnc {

inline constexpr ValueId kInvalidValue = -1;

class GraphBuilder {
 public:
  explicit GraphBuilder(Diagnostics& diags) : diags_(diags) {}

  Diagnostics& diags() { return diags_; }
  Graph& graph() { return graph_; }
  Graph take() { return std::move(graph_); }

  // Names that the spec declares anywhere, so that a use before the definition can be told
  // apart from a typo.
  void declare_ahead(const std::string& name, const std::string& where) { declared_.emplace(name, where); }

  ValueId set_input(Shape shape);
  // Makes `name` refer to `id`; reports a duplicate.
  void define(const std::string& name, ValueId id, const std::string& where);
  // The value called `name`, or kInvalidValue with a diagnostic at `where`.
  ValueId lookup(const std::string& name, const std::string& where);
  // Appends the node (inputs already resolved), infers its output shape and names the output
  // after the node. Returns kInvalidValue when an input is invalid or inference failed.
  ValueId add(Node node);

 private:
  Diagnostics& diags_;
  Graph graph_;
  std::map<std::string, ValueId> names_;
  std::map<std::string, std::string> declared_;      // name -> where it is declared
  std::map<std::string, std::string> weight_users_;  // weights prefix -> node that uses it
};

}  // namespace rnc
