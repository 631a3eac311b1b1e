// Builds a Graph node by node for the spec readers and the stage macros: resolves value names,
// infers each shape as the node is added and records every problem in Diagnostics. A node whose
// input failed gets no shape and reports nothing more, so one mistake yields one message.
#pragma once

#include <map>
#include <set>
#include <string>

#include "dsl/diagnostics.hpp"
#include "dsl/ir/graph.hpp"

namespace rnc {

inline constexpr ValueId kInvalidValue = -1;

// Where a node's state_dict prefix (Node::weights) comes from; it decides which checks apply.
enum class PrefixSource {
  kWritten,    // in the spec ("weights", @P), or derived by a macro from a written prefix
  kDefault,    // the default of docs/spec.md section 7.2; dropped on an op without parameters
  kUnchecked,  // an invalid written prefix (reported already), or a default that an earlier error
               // may have shifted: checking it could only report a follow-on error
};

// A node's state_dict prefix, where it comes from and where it is written (a written one's
// clash is reported there; the others' at the node).
struct Prefix {
  std::string name;
  PrefixSource source = PrefixSource::kDefault;
  Location where;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(Diagnostics& diags) : diags_(diags) {}

  Diagnostics& diags() { return diags_; }
  Graph& graph() { return graph_; }
  Graph take() { return std::move(graph_); }

  // Names that the spec declares anywhere, so that a use before the definition can be told
  // apart from a typo.
  void declare_ahead(const std::string& name, const Location& where) { declared_.emplace(name, where); }

  ValueId set_input(Shape shape);
  // Makes `name` refer to `id`; reports a duplicate.
  void define(const std::string& name, ValueId id, const Location& where);
  // The value called `name`, or kInvalidValue with a diagnostic at `where`.
  ValueId lookup(const std::string& name, const Location& where);
  // Appends the node (inputs already resolved), infers its output shape, checks its weights
  // prefix (node.weights: `prefix` itself, or for a macro's node one derived from the macro's
  // `prefix`) and names the output after the node. Returns kInvalidValue when an input is
  // invalid or inference failed.
  ValueId add(Node node, const Prefix& prefix);

 private:
  struct PrefixUser {
    std::string node;
    Location where;
  };

  void check_prefix(Node& node, const Prefix& prefix);

  Diagnostics& diags_;
  Graph graph_;
  std::map<std::string, ValueId> names_;
  std::map<std::string, Location> declared_;        // name -> where it is declared
  std::map<std::string, PrefixUser> prefix_users_;  // weights prefix -> the first node with it
  std::set<Location> prefix_clashes_;               // where a clash was reported: once per place
};

}  // namespace rnc
