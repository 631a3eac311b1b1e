// Unit tests for the .rn text syntax (dsl/rn_lexer.cpp, rn_parser.cpp, rn_diagnostics.cpp,
// spec_rn_syntax.cpp, spec_format.cpp): the seed in .rn gives the JSON seed's graph, the
// shorthands and the general form, every kind of error with its line:column and the quoted line,
// several errors at once, semantic errors of the spec reader at the .rn line:column, default
// weights prefixes (a spec without any '@'), and lossless JSON <-> .rn round trips of every spec.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "dsl/diagnostics.hpp"
#include "dsl/ir/graph.hpp"
#include "dsl/spec_format.hpp"
#include "dsl/spec_reader.hpp"
#include "dsl/spec_rn.hpp"
#include "dsl/weights.hpp"

namespace {

using rnc::Graph;
using rnc::Shape;
using ojson = nlohmann::ordered_json;

const std::string kSourceDir = RESNETC_SOURCE_DIR;

Graph parse(const std::string& text) { return rnc::parse_spec_rn(text, "spec.rn"); }

std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const rnc::CompileError& e) {
    return e.what();
  }
  FAIL("expected a CompileError for spec:\n" << text);
  return {};
}

// The "spec.rn:L:C: ..." lines of a message (the quoted source lines excluded).
std::vector<std::string> error_lines(const std::string& message) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= message.size()) {
    std::size_t end = message.find('\n', begin);
    if (end == std::string::npos) end = message.size();
    const std::string line = message.substr(begin, end - begin);
    if (line.starts_with("spec.rn:")) out.push_back(line);
    begin = end + 1;
  }
  return out;
}

void check_contains(const std::string& message, const std::vector<std::string>& pieces) {
  INFO("message:\n" << message);
  for (const std::string& piece : pieces) {
    INFO("expected piece: " << piece);
    CHECK(message.find(piece) != std::string::npos);
  }
}

// One error: its "spec.rn:L:C: what" line, and the source line quoted with the caret under C.
void check_one_error(const std::string& text, const std::string& first_line, const std::string& quoted,
                     const std::string& caret) {
  const std::string message = error_of(text);
  INFO("message:\n" << message);
  const auto lines = error_lines(message);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front() == first_line);
  CHECK(message.find("\n" + quoted + "\n" + caret) != std::string::npos);
}

// A node-by-node comparison: names, stages, weights, op summaries, inputs and shapes.
void check_same_graph(const Graph& a, const Graph& b) {
  CHECK(a.name == b.name);
  CHECK(a.stages == b.stages);
  CHECK(a.shape(a.input) == b.shape(b.input));
  REQUIRE(a.nodes.size() == b.nodes.size());
  const auto summary = [](const rnc::Node& n) { return std::visit([](const auto& op) { return op.summary(); }, n.op); };
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    const rnc::Node& x = a.nodes[i];
    const rnc::Node& y = b.nodes[i];
    INFO("node " << x.name);
    CHECK(x.name == y.name);
    CHECK(x.stage == y.stage);
    CHECK(x.weights == y.weights);
    CHECK(summary(x) == summary(y));
    CHECK(x.inputs == y.inputs);
    CHECK(a.shape(x.output) == b.shape(y.output));
  }
  CHECK(a.output == b.output);
}

const char* const kHeader = "network net\ninput [1, 3, 16, 16]\n";

}  // namespace

// --- parsing -------------------------------------------------------------------------------------

TEST_CASE(".rn: examples/resnet18.rn is the graph of examples/resnet18.json") {
  const Graph rn = rnc::read_spec(kSourceDir + "/examples/resnet18.rn");
  const Graph json = rnc::read_spec(kSourceDir + "/examples/resnet18.json");
  check_same_graph(rn, json);
  CHECK(rn.nodes.size() == 4 + 4 * 14 + 3 + 3);
  // A node's location is the line:column of the layer that made it.
  CHECK(rn.nodes.front().where.to_string() == "4:6");
}

TEST_CASE(".rn locations: a node carries the line:column of its op, or of the name of the macro stage that made it") {
  const Graph g = parse(std::string(kHeader) + "s = conv(4, k=3, p=1) relu as r\n  b = resnet_block(4, 1, first)\n");
  std::map<std::string, std::string> where;
  for (const rnc::Node& n : g.nodes) where[n.name] = n.where.to_string();
  CHECK(where.at("s.0") == "3:5");
  CHECK(where.at("r") == "3:23");
  CHECK(where.at("b.0.conv1") == "4:3");
  CHECK(where.at("b.0.relu2") == "4:3");
}

TEST_CASE(".rn: read_spec dispatches on the extension, and --input-shape applies to .rn too") {
  const Graph g = rnc::read_spec(kSourceDir + "/examples/resnet18.rn", {Shape{1, 1, 96, 96}});
  CHECK(g.shape(g.output) == Shape{1, 10});
  CHECK(g.shape(g.nodes[3].output) == Shape{1, 64, 24, 24});
}

TEST_CASE(".rn: short names, positional arguments and bare flags mean the full JSON keys") {
  const std::string short_form = std::string(kHeader) +
                                 "s = conv(8, k=3, s=2, p=1)@c bn@n relu maxpool(3, s=2, p=1)\n"
                                 "r = resnet_block(8, 1, first)@r\n"
                                 "h = global_avgpool flatten linear(4, bias=false)@fc\n";
  const std::string long_form =
      std::string(kHeader) +
      "s = conv2d(out_channels=8, kernel=3, stride=2, padding=1, weights=c) batchnorm2d(weights=n)"
      " relu maxpool2d(kernel=3, stride=2, padding=1)\n"
      "r = resnet_block(out_channels=8, num_residuals=1, first_block=true, weights=\"r\")\n"
      "h = global_avgpool() flatten linear(out_features=4, bias=false)@\"fc\"\n";
  const ojson a = rnc::parse_rn_document(short_form, "a.rn");
  const ojson b = rnc::parse_rn_document(long_form, "b.rn");
  CHECK(nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump()));
  CHECK(a["stages"][0]["layers"][0] == ojson::parse(R"({"op": "conv2d", "weights": "c", "out_channels": 8,
                                                        "kernel": 3, "stride": 2, "padding": 1})"));
  CHECK(a["stages"][1] == ojson::parse(R"({"name": "r", "op": "resnet_block", "weights": "r", "out_channels": 8,
                                           "num_residuals": 1, "first_block": true})"));
  check_same_graph(parse(short_form), parse(long_form));
}

TEST_CASE(".rn: the general form: as, from, a stage input, explicit layer lists, output, comments") {
  const std::string text = std::string(kHeader) +
                           "# a stem, then two branches joined by add\n"
                           "stem = conv(8, k=3, p=1)@stem relu as stem_out\n"
                           "side = stem_out -> avgpool(3, s=1, p=1)   # reads stem_out, not the previous stage\n"
                           "join =\n"
                           "  maxpool(3, s=1, p=1) from stem as pooled\n"
                           "  add from [pooled, side] as mixed\n"
                           "  add from \"mixed\"\n"
                           "r = [residual(8)@r]\n"
                           "output join\n";
  const ojson doc = rnc::parse_rn_document(text, "spec.rn");
  CHECK(doc["stages"][1]["input"] == "stem_out");
  CHECK(doc["stages"][2]["layers"][1] ==
        ojson::parse(R"({"op": "add", "name": "mixed", "inputs": ["pooled", "side"]})"));
  CHECK(doc["stages"][2]["layers"][2]["inputs"] == "mixed");
  CHECK(doc["stages"][3]["layers"][0]["op"] == "residual");  // [...] keeps a macro a layer
  CHECK(doc["output"] == "join");
  const Graph g = parse(text);
  CHECK(g.values[static_cast<std::size_t>(g.output)].name == "join.2");
  CHECK(g.shape(g.output) == Shape{1, 8, 16, 16});
}

TEST_CASE(".rn: explicit weight names with other characters are quoted after @") {
  const ojson doc =
      rnc::parse_rn_document(std::string(kHeader) + "s = conv(4, k=1)@\"layer 1/conv\" relu\n", "spec.rn");
  CHECK(doc["stages"][0]["layers"][0]["weights"] == "layer 1/conv");
}

// --- default weights prefixes (docs/spec.md, section 7.2) ----------------------------------------

namespace {

// The text with every "@PREFIX" and "@\"prefix\"" removed.
std::string without_prefixes(const std::string& text) {
  static const std::regex prefix(R"(@("[^"]*"|[A-Za-z0-9_.-]+))");
  return std::regex_replace(text, prefix, "");
}

}  // namespace

TEST_CASE(".rn default prefixes: tests/specs/cifar_resnet.rn, written without '@', is numbered like nn.Sequential") {
  const Graph g = rnc::read_spec(kSourceDir + "/tests/specs/cifar_resnet.rn");
  std::map<std::string, std::string> prefixes;
  for (const rnc::Node& n : g.nodes)
    if (!n.weights.empty()) prefixes[n.name] = n.weights;
  // b1..b4 are children 0..3 of the network; the head's pool, flatten and linear are 4, 5, 6.
  const std::map<std::string, std::string> expected = {{"b1.0", "0.0"},
                                                       {"b1.1", "0.1"},
                                                       {"b2.0.conv1", "1.0.conv1"},
                                                       {"b2.0.bn1", "1.0.bn1"},
                                                       {"b2.0.conv2", "1.0.conv2"},
                                                       {"b2.0.bn2", "1.0.bn2"},
                                                       {"b2.1.conv1", "1.1.conv1"},
                                                       {"b2.1.bn1", "1.1.bn1"},
                                                       {"b2.1.conv2", "1.1.conv2"},
                                                       {"b2.1.bn2", "1.1.bn2"},
                                                       {"b3.0.conv1", "2.0.conv1"},
                                                       {"b3.0.bn1", "2.0.bn1"},
                                                       {"b3.0.conv2", "2.0.conv2"},
                                                       {"b3.0.bn2", "2.0.bn2"},
                                                       {"b3.0.conv3", "2.0.conv3"},
                                                       {"b3.1.conv1", "2.1.conv1"},
                                                       {"b3.1.bn1", "2.1.bn1"},
                                                       {"b3.1.conv2", "2.1.conv2"},
                                                       {"b3.1.bn2", "2.1.bn2"},
                                                       {"b4.0.conv1", "3.0.conv1"},
                                                       {"b4.0.bn1", "3.0.bn1"},
                                                       {"b4.0.conv2", "3.0.conv2"},
                                                       {"b4.0.bn2", "3.0.bn2"},
                                                       {"b4.0.conv3", "3.0.conv3"},
                                                       {"b4.1.conv1", "3.1.conv1"},
                                                       {"b4.1.bn1", "3.1.bn1"},
                                                       {"b4.1.conv2", "3.1.conv2"},
                                                       {"b4.1.bn2", "3.1.bn2"},
                                                       {"head.2", "6"}};
  CHECK(prefixes == expected);
  CHECK(g.shape(g.output) == Shape{1, 10});
  // The spec exactly as the issue wrote it, without the blank line of the canonical form.
  const std::string text = rnc::read_text_file(kSourceDir + "/tests/specs/cifar_resnet.rn");
  CHECK_NOTHROW((void)parse(std::regex_replace(text, std::regex("\n\n"), "\n")));
}

TEST_CASE(".rn default prefixes: examples/resnet18.rn without any '@' is the graph of examples/resnet18.json") {
  const std::string text = without_prefixes(rnc::read_text_file(kSourceDir + "/examples/resnet18.rn"));
  REQUIRE(text.find('@') == std::string::npos);
  check_same_graph(parse(text), rnc::read_spec(kSourceDir + "/examples/resnet18.json"));  // node by node, weights too
}

TEST_CASE(".rn default prefixes: the seed's PyTorch state_dict loads into the seed written without '@'") {
  // tests/fixtures/seed_narrow: the notebook's network (narrow widths) exported from PyTorch.
  const Graph g = parse(without_prefixes(rnc::read_text_file(kSourceDir + "/tests/specs/seed_narrow.rn")));
  const std::string weights = kSourceDir + "/tests/fixtures/seed_narrow/weights.safetensors";
  CHECK_NOTHROW(rnc::check_weights(g, rnc::read_safetensors(weights), weights));
}

TEST_CASE(".rn weights prefix clash: two macro stages with one '@' prefix give one message, at the second '@'") {
  check_one_error(
      std::string(kHeader) +
          "b1 = conv(4, k=3, p=1) bn relu\n"
          "b2 = resnet_block(4, 2, first)@1\n"
          "b3 = resnet_block(8, 2)@1\n",
      "spec.rn:5:24: weights prefix \"1.0.conv1\" is already used by layer b2.0.conv1 (at 4:1); each layer needs "
      "its own state_dict prefix",
      "    5 | b3 = resnet_block(8, 2)@1", "      |                        ^");
}

TEST_CASE(".rn default prefixes: a head with a syntax error adds no clash of a later default") {
  // The broken head stands for one layer; its three would put b at 4, not 2, clear of c's @2.
  const std::string text = std::string(kHeader) +
                           "s = conv(4, k=1) relu\n"
                           "head = [global_avgpool flatten linear(10)\n"
                           "b = input -> residual(3)\n"
                           "c = input -> residual(3)@2\n";
  const auto lines = error_lines(error_of(text));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with("spec.rn:5:1: expected ']' to close the layer list opened at 4:8"));
}

// --- errors: lexical, syntax, semantic -------------------------------------------------------------

TEST_CASE(".rn error: an unexpected character") {
  check_one_error(std::string(kHeader) + "s = conv(4, k=3)@c $ relu\n", "spec.rn:3:20: unexpected character '$'",
                  "    3 | s = conv(4, k=3)@c $ relu", "      |                    ^");
}

TEST_CASE(".rn error: an unterminated string") {
  check_one_error(std::string(kHeader) + "s = conv(4, k=3)@\"c relu\n",
                  "spec.rn:3:17: unterminated string (a string ends with '\"' on the same line)",
                  "    3 | s = conv(4, k=3)@\"c relu", "      |                 ^");
}

TEST_CASE(".rn error: a number that is not JSON's") {
  check_one_error(
      std::string(kHeader) + "s = conv(4, k=3.)@c\n",
      "spec.rn:3:15: invalid number \"3.\" (expected an integer like 64 or -1, or a number like 1e-5 or 0.5)",
      "    3 | s = conv(4, k=3.)@c", "      |               ^");
}

TEST_CASE(".rn error: '@' without a prefix") {
  check_one_error(std::string(kHeader) + "s = conv(4, k=3)@ relu\n",
                  "spec.rn:3:17: expected a state_dict prefix after '@' (e.g. @0.0 or @\"layer 1\")",
                  "    3 | s = conv(4, k=3)@ relu", "      |                 ^");
}

TEST_CASE(".rn error: a line that is no statement") {
  check_one_error(std::string(kHeader) + "s conv(4, k=3)@c\n",
                  "spec.rn:3:1: expected a statement (NAME = layers, network NAME, input [N, C, H, W] or output NAME), "
                  "found 's'",
                  "    3 | s conv(4, k=3)@c", "      | ^");
}

TEST_CASE(".rn error: a missing ')' is found at the next line") {
  check_one_error(std::string(kHeader) + "s = conv(4, k=3@c\nt = relu\n",
                  "spec.rn:3:16: expected ',' or ')', found '@c'", "    3 | s = conv(4, k=3@c",
                  "      |                ^");
  check_one_error(std::string(kHeader) + "s = conv(4, k=3\nt = relu\n",
                  "spec.rn:4:1: expected ')' to close the arguments opened at 3:9, found 't'", "    4 | t = relu",
                  "      | ^");
}

TEST_CASE(".rn error: a positional argument after a keyword one, and too many positional arguments") {
  check_one_error(std::string(kHeader) + "s = conv(k=3, 4)@c\n",
                  "spec.rn:3:15: a positional argument follows a keyword argument (write it as key=value)",
                  "    3 | s = conv(k=3, 4)@c", "      |               ^");
  check_one_error(std::string(kHeader) + "s = conv(4, 3)@c\n",
                  "spec.rn:3:13: conv2d takes at most 1 positional argument(s) (out_channels); write the others as "
                  "key=value",
                  "    3 | s = conv(4, 3)@c", "      |             ^");
  check_one_error(std::string(kHeader) + "s = relu(1)\n",
                  "spec.rn:3:10: relu takes no positional arguments (write key=value)", "    3 | s = relu(1)",
                  "      |          ^");
}

TEST_CASE(".rn error: an attribute given twice, also through its short name") {
  check_one_error(std::string(kHeader) + "s = conv(4, k=3, kernel=5)@c\n",
                  "spec.rn:3:18: \"kernel\" is given twice (first at 3:13)", "    3 | s = conv(4, k=3, kernel=5)@c",
                  "      |                  ^");
}

TEST_CASE(".rn error: a header given twice, an empty stage, a missing value, an unclosed list") {
  check_one_error(std::string(kHeader) + "network other\ns = relu\n",
                  "spec.rn:3:1: 'network' is given twice (first at 1:1)", "    3 | network other", "      | ^");
  check_one_error(std::string(kHeader) + "s = relu\nt =\n",
                  "spec.rn:5:1: expected a layer after '=' (e.g. conv(64, "
                  "k=3)@0.0 relu), found the end of the file",
                  "    5 | ", "      | ^");
  check_one_error(std::string(kHeader) + "s = conv(4, k=)@c\n",
                  "spec.rn:3:15: expected a value (a number, a name, a \"string\" or a [list]), found ')'",
                  "    3 | s = conv(4, k=)@c", "      |               ^");
  check_one_error("network net\ninput [1, 3, 16\ns = relu\n", "spec.rn:3:1: expected ',' or ']', found 's'",
                  "    3 | s = relu", "      | ^");
}

TEST_CASE(".rn error: every error of a file at once, in line order, lexical with syntax and semantic") {
  const std::string text = std::string(kHeader) +
                           "a = conv(4, k=3, $)@a relu\n"  // lexical: $
                           "b = conv(0, k=3)@b\n"          // semantic: out_channels 0
                           "c = conv(4, k=, s=)@c\n"       // two syntax errors in one call
                           "d = maxpool(3, strides=2)\n";  // semantic: unknown key
  const std::string message = error_of(text);
  INFO("message:\n" << message);
  const auto lines = error_lines(message);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "spec.rn:3:18: unexpected character '$'");
  CHECK(lines[1] == "spec.rn:4:10: expected an integer >= 1, found 0");
  CHECK(lines[2].starts_with("spec.rn:5:15: expected a value"));
  CHECK(lines[3].starts_with("spec.rn:5:19: expected a value"));
  CHECK(lines[4].starts_with("spec.rn:6:16: unknown key \"strides\" (known here: "));
}

TEST_CASE(".rn error: semantic errors of the spec reader point at the .rn source") {
  SUBCASE("a channel mismatch in add, at the add") {
    check_one_error(
        std::string(kHeader) + "s = conv(4, k=1)@a as x conv(8, k=1)@b add from x\n",
        "spec.rn:3:40: add: operand shapes differ: [1,8,16,16] + [1,4,16,16] (channels, height and width must match)",
        "    3 | s = conv(4, k=1)@a as x conv(8, k=1)@b add from x",
        "      |                                        ^");
  }
  SUBCASE("an attribute out of range, at the argument; an empty weights prefix, at its '@'") {
    const std::string message = error_of(std::string(kHeader) + "s = maxpool(3, p=2) bn@\"\"\n");
    const auto lines = error_lines(message);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "spec.rn:3:16: expected padding <= kernel/2 = 1 (PyTorch's rule), found 2");
    CHECK(lines[1].starts_with("spec.rn:3:23: expected a non-empty state_dict prefix, found \"\""));
  }
  SUBCASE("an undefined name, at the name in a list") {
    check_one_error(
        std::string(kHeader) + "s = relu add from [s.0, nowhere]\n",
        "spec.rn:3:25: undefined value \"nowhere\" (expected \"input\", a stage name or an earlier layer name)",
        "    3 | s = relu add from [s.0, nowhere]", "      |                         ^");
  }
  SUBCASE("a forward reference names the line:column of the definition") {
    const std::string message = error_of(std::string(kHeader) + "s = t -> relu\nt = relu\n");
    check_contains(message, {"spec.rn:3:5: value \"t\" is used before it is defined (at 4:1)"});
  }
  SUBCASE("a document-level error, at the start of the file") {
    check_one_error("input [1, 3, 8, 8]\ns = relu\n", "spec.rn:1:1: missing required key \"name\" (a string)",
                    "    1 | input [1, 3, 8, 8]", "      | ^");
  }
  SUBCASE("the input shape, at its element") {
    check_one_error("network n\ninput [1, 3, 0, 8]\ns = relu\n",
                    "spec.rn:2:14: expected an integer in [1, 16777216], found 0", "    2 | input [1, 3, 0, 8]",
                    "      |              ^");
  }
}

TEST_CASE(".rn error: a syntax error in a stage silences what depends on it, not other stages") {
  const std::string text = std::string(kHeader) +
                           "a = conv(4, k=3, p=1)@a relu\n"
                           "b = conv(8, k=)@b bn@bn\n"   // the syntax error; bn would follow from it
                           "c = a -> conv(0, k=1)@c\n";  // an independent semantic error
  const auto lines = error_lines(error_of(text));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("spec.rn:4:15: expected a value"));
  CHECK(lines[1] == "spec.rn:5:15: expected an integer >= 1, found 0");
}

TEST_CASE(".rn error: a column after a tab and after UTF-8 text keeps the caret under the character") {
  const std::string message = error_of(std::string(kHeader) + "s = relu\t# \xc3\xa9\n\t$\n");
  check_contains(message, {"spec.rn:4:2: unexpected character '$'", "    4 | \t$\n      | \t^"});
}

TEST_CASE(".rn: any input gives a graph or a CompileError (every prefix and byte flip of the seed)") {
  const std::string seed = rnc::read_text_file(kSourceDir + "/examples/resnet18.rn");
  std::size_t errors = 0;
  const auto try_parse = [&](const std::string& text) {
    try {
      (void)rnc::parse_spec_rn(text, "fuzz.rn");
    } catch (const rnc::CompileError&) {
      ++errors;
    }
  };
  for (std::size_t n = 0; n < seed.size(); ++n) try_parse(seed.substr(0, n));
  for (std::size_t i = 0; i < seed.size(); i += 3)
    for (char c : {'(', ')', '[', '@', '"', '=', ',', '\n', '-', '\x80'}) {
      std::string text = seed;
      text[i] = c;
      try_parse(text);
    }
  CHECK(errors > seed.size());
  // Long tokens and deep lists: no recursion per character or per level without a bound.
  try_parse(std::string(kHeader) + "s = conv(" + std::string(200000, '7') + ", k=1)@c\n");
  try_parse(std::string(kHeader) + "s = conv(4, k=" + std::string(100000, '[') + ")@c\n");
  CHECK_THROWS_WITH_AS(parse(std::string(kHeader) + "s = conv(4, k=" + std::string(40, '[') + ")@c\n"),
                       doctest::Contains("spec.rn:3:47: lists nest deeper than 32 levels"), rnc::CompileError);
}

// --- writing and round trips -------------------------------------------------------------------

namespace {

std::vector<std::string> spec_files(const std::string& extension) {
  std::vector<std::string> out;
  for (const char* dir : {"/examples", "/examples/torchvision", "/tests/specs"})
    for (const auto& entry : std::filesystem::directory_iterator(kSourceDir + dir))
      if (entry.path().extension() == extension) out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json plain(const ojson& doc) { return nlohmann::json::parse(doc.dump()); }

}  // namespace

TEST_CASE("fmt round trip: json -> rn -> json gives the same document, for every .json spec") {
  const auto files = spec_files(".json");
  CHECK(files.size() >= 5);
  for (const std::string& path : files) {
    INFO("spec " << path);
    const ojson doc = rnc::read_spec_document_file(path);
    const std::string rn = rnc::write_spec_rn(doc, path);
    INFO("as .rn:\n" << rn);
    const ojson back = rnc::parse_rn_document(rn, path + ".rn");
    CHECK(plain(back) == plain(doc));
    CHECK(rnc::write_spec_rn(back, path) == rn);  // the .rn writer is canonical
  }
}

TEST_CASE("fmt round trip: rn -> json -> rn gives the same text, for every .rn spec") {
  const auto files = spec_files(".rn");
  CHECK(files.size() >= 5);
  for (const std::string& path : files) {
    INFO("spec " << path);
    const std::string text = rnc::read_text_file(path);
    const std::string json = rnc::write_spec_json(rnc::read_spec_document_file(path));
    const ojson doc = ojson::parse(json);
    CHECK(rnc::write_spec_rn(doc, path) == text);
    CHECK(rnc::write_spec_json(doc) == json);
  }
}

TEST_CASE("fmt: each committed .rn spec has the document of its .json twin") {
  for (const std::string& path : spec_files(".rn")) {
    std::string twin = path.substr(0, path.size() - 3) + ".json";
    if (!std::filesystem::exists(twin)) continue;
    INFO("spec " << path);
    CHECK(plain(rnc::read_spec_document_file(path)) == plain(rnc::read_spec_document_file(twin)));
  }
}

TEST_CASE("fmt: the JSON writer gives back the seed's own layout") {
  const std::string path = kSourceDir + "/examples/resnet18.json";
  CHECK(rnc::write_spec_json(rnc::read_spec_document_file(path)) == rnc::read_text_file(path));
}

TEST_CASE("fmt: odd but valid JSON survives the round trip (quoted names, keys and values that look like keywords)") {
  const ojson doc = ojson::parse(R"({"name": "n", "input": {"shape": [1, 2, 8, 8]}, "stages": [
      {"name": "from", "layers": [{"op": "conv2d", "weights": "a b", "out_channels": 4, "kernel": 1, "bias": false,
                                       "name": "true"},
                                      {"op": "relu", "inputs": ["true"], "name": "as"},
                                      {"op": "batchnorm2d", "weights": "bn", "eps": 1e-3}]},
      {"name": "m", "input": "as", "layers": [{"op": "resnet_block", "weights": "r", "out_channels": 4,
                                               "num_residuals": 1, "first_block": false}]}],
      "output": "m"})");
  const std::string rn = rnc::write_spec_rn(doc, "odd.json");
  INFO("as .rn:\n" << rn);
  CHECK(plain(rnc::parse_rn_document(rn, "odd.rn")) == plain(doc));
  CHECK(rn.find("\"from\" = conv(4, k=1, bias=false)@\"a b\" as \"true\"") != std::string::npos);
  CHECK(rn.find("m = as ->") == std::string::npos);  // "as" is quoted
  CHECK_NOTHROW((void)rnc::parse_spec_rn(rn, "odd.rn"));
}

TEST_CASE("fmt: a JSON number too large for a double is invalid JSON at its line:column, as resnetc check says") {
  CHECK_THROWS_WITH_AS((void)rnc::parse_json_document("{\"name\":\n 1e999}", "odd.json"),
                       "odd.json:2:2: invalid JSON: number overflow parsing '1e999'", rnc::CompileError);
}

TEST_CASE("fmt: what .rn cannot hold is refused with its JSON pointer") {
  const ojson doc = ojson::parse(R"({"name": "n", "input": {"shape": [1, 2, 8, 8]}, "extra": 1, "stages": [
      {"name": "s", "typo": 2, "layers": [{"op": "relu", "alpha": {"x": 1}}]}]})");
  try {
    (void)rnc::write_spec_rn(doc, "odd.json");
    FAIL("expected a CompileError");
  } catch (const rnc::CompileError& e) {
    check_contains(e.what(),
                   {"odd.json: /extra: cannot be written as .rn: unknown top-level key \"extra\"",
                    "odd.json: /stages/0/typo: cannot be written as .rn: a stage of layers has no key \"typo\"",
                    "odd.json: /stages/0/layers/0/alpha: cannot be written as .rn: an object is not a value"});
  }
}
