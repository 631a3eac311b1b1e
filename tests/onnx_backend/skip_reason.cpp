#include "tests/onnx_backend/skip_reason.hpp"

#include <algorithm>
#include <regex>

namespace rnc::backend {
namespace {

// A diagnostic matching `pattern` is skipped for `reason` ("$1" is the first group).
struct Category {
  std::regex pattern;
  std::string reason;
};

// In the order tried; each names one feature resnetc lacks (docs/onnx.md).
const std::vector<Category>& categories() {
  static const std::vector<Category> table = [] {
    const std::vector<std::pair<const char*, const char*>> rules = {
        {R"(op (\w+) (of domain "[^"]*" )?is not supported)", "op $1 not supported"},
        {R"(opset \d+ is not supported)", "opset < 7"},
        {R"(imports no default)", "training ops (ai.onnx.preview.training)"},
        {R"(data type \w+ is not supported|reads a FLOAT tensor input)", "non-float input"},
        {R"(is not a tensor)", "sequence or optional input"},
        {R"(resnetc reads a 4-D NCHW input)", "1-D/3-D/5-D tensors"},
        {R"(input has shape \[\d+(,\d+){2,}\]; resnetc supports (Gemm|MatMul))", "batched MatMul"},
        {R"(dilations)", "dilations != 1"},
        {R"(ceil_mode)", "ceil_mode"},
        {R"(pads \[.*\] are not supported|pads the .* unevenly)", "asymmetric pads"},
        {R"(is not square)", "non-square kernel"},
        {R"(strides \[.*\] are not supported)", "unequal strides"},
        {R"(expected padding <= kernel/2)", "padding > kernel/2"},
        {R"(training_mode|is_test|training outputs|mask output)", "training mode"},
        {R"(Indices output)", "MaxPool Indices output"},
        {R"(the graph has \d+ outputs)", "several outputs"},
        {R"(the graph has 0 inputs)", "no input (constants only)"},
        {R"(the graph has \d+ inputs)", "several inputs"},
        {R"(output is its input)", "nothing to compute (output is the input)"},
        {R"(Flatten of .* at axis)", "Flatten axis != 1"},
        {R"(Reshape of)", "Reshape other than [N, -1]"},
        {R"(transA)", "Gemm transA"},
        {R"(C has shape)", "Gemm C not a vector"},
        {R"(adds (two constants|a constant))", "Add of a constant (not a bias)"},
        {R"(adds \[[0-9,]*\] and)", "broadcasting Add"},
        {R"(attribute (\w+) is not supported)", "attribute $1"},
        {R"(must be an initializer or a Constant)", "computed weights"},
        {R"(is a constant; resnetc computes this op on activations)", "op on constants"},
    };
    std::vector<Category> out;
    for (const auto& [pattern, reason] : rules) out.push_back({std::regex(pattern), reason});
    return out;
  }();
  return table;
}

}  // namespace

std::string skip_reason(const std::string& diagnostic) {
  std::smatch match;
  for (const Category& c : categories())
    if (std::regex_search(diagnostic, match, c.pattern)) return match.format(c.reason);
  // Unknown so far: the message itself, up to its explanation, so that the table shows it.
  return diagnostic.substr(0, std::min(diagnostic.find(';'), std::size_t{80}));
}

}  // namespace rnc::backend
