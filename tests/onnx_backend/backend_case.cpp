#include "tests/onnx_backend/backend_case.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "dsl/diagnostics.hpp"
#include "dsl/onnx/onnx_import.hpp"
#include "dsl/onnx/onnx_tensor.hpp"
#include "dsl/reference.hpp"
#include "dsl/spec_reader.hpp"

namespace rnc::backend {
namespace {

namespace fs = std::filesystem;

// The name resnetc's messages give the model, instead of the data directory's absolute path.
constexpr const char* kModelFile = "model.onnx";

// A refusal by resnetc (as opposed to broken test data): carries the first diagnostic.
struct Refused {
  std::string reason;
};

// The number in "input_12.pb" or "test_data_set_3", for numeric order.
int trailing_number(const std::string& name) {
  const std::size_t end = name.ends_with(".pb") ? name.size() - 3 : name.size();
  const std::size_t start = name.find_last_of('_', end) + 1;
  return std::stoi(name.substr(start, end - start));
}

std::vector<std::string> numbered_entries(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end(),
            [](const std::string& a, const std::string& b) { return trailing_number(a) < trailing_number(b); });
  return names;
}

// The graph inputs a backend runner feeds, in order: those that are not initializers (older
// exporters list the weights among the inputs too). input_K.pb goes to the K-th.
std::vector<const onnx::ValueInfoProto*> fed_inputs(const onnx::GraphProto& graph) {
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& input : graph.input()) {
    const bool weight = std::any_of(graph.initializer().begin(), graph.initializer().end(),
                                    [&](const onnx::TensorProto& init) { return init.name() == input.name(); });
    if (!weight) inputs.push_back(&input);
  }
  return inputs;
}

bool has_symbolic_dims(const onnx::ValueInfoProto& input) {
  if (!input.type().has_tensor_type()) return false;
  const auto& dims = input.type().tensor_type().shape().dim();
  return std::any_of(dims.begin(), dims.end(), [](const auto& d) { return !d.has_dim_value(); });
}

// The first line of a CompileError without the file name: the first diagnostic.
std::string first_diagnostic(const std::string& message) {
  std::string line = message.substr(0, message.find('\n'));
  const std::string prefix = std::string(kModelFile) + ": ";
  return line.starts_with(prefix) ? line.substr(prefix.size()) : line;
}

// The values of input_K.pb. A tensor resnetc does not read as float (integers, booleans) reads as
// zeros of its shape with `refusal` set, so that the importer still reports the first problem in
// graph order (a 3-D input, an unsupported op) and the input type only when it takes the model.
Tensor input_value(const std::string& path, std::string& refusal) {
  const onnx::TensorProto proto = onnx_import::read_tensor_file(path);
  try {
    return onnx_import::float_tensor(proto, fs::path(path).parent_path().string());
  } catch (const onnx_import::TensorError& e) {
    if (refusal.empty()) refusal = fmt::format("input \"{}\": {}", proto.name(), e.what());
    return Tensor(onnx_import::tensor_shape(proto));
  }
}

Tensor reshaped(Tensor tensor, const Shape& shape, const std::string& what) {
  if (numel(tensor.shape) != numel(shape))
    throw std::runtime_error(
        fmt::format("{} has shape {}, the imported network reads {}", what, to_string(tensor.shape), to_string(shape)));
  tensor.shape = shape;
  return tensor;
}

// The data sets of a test directory, in numeric order.
std::vector<std::string> data_set_dirs(const std::string& dir) {
  std::vector<std::string> dirs;
  for (const std::string& name : numbered_entries(dir, "test_data_set_")) dirs.push_back(dir + "/" + name);
  return dirs;
}

ImportedCase import_data_set(const std::string& bytes, const std::string& dir, const onnx::GraphProto& graph,
                             const std::string& set_dir) {
  const auto inputs = fed_inputs(graph);
  const std::vector<std::string> files = numbered_entries(set_dir, "input_");
  if (files.size() != inputs.size())
    throw std::runtime_error(
        fmt::format("{}: {} input files for {} graph inputs", set_dir, files.size(), inputs.size()));
  onnx_import::ImportOptions options;
  std::string type_refusal;
  // The other inputs (a Conv's W and B, say) are what the test passes as weights.
  for (std::size_t k = 1; k < inputs.size(); ++k) {
    if (!inputs[k]->type().has_tensor_type())
      throw Refused{fmt::format("input \"{}\" is not a tensor (a sequence, map or optional)", inputs[k]->name())};
    options.bound_inputs[inputs[k]->name()] = input_value(set_dir + "/" + files[k], type_refusal);
  }
  // Without a tensor input the importer says why (a graph of constants, a sequence).
  std::optional<Tensor> input;
  if (!inputs.empty() && inputs[0]->type().has_tensor_type()) {
    input = input_value(set_dir + "/" + files[0], type_refusal);
    if (has_symbolic_dims(*inputs[0])) options.input_shape = input->shape;
  }
  try {
    onnx_import::ImportedModel model = onnx_import::import_onnx_bytes(bytes, kModelFile, dir, options);
    Graph network = onnx_import::imported_graph(model, kModelFile);
    check_weights(network, model.weights, kModelFile);
    if (!type_refusal.empty()) throw Refused{type_refusal};
    if (!input) throw std::runtime_error("resnetc took a model without a tensor input");
    const Shape shape = network.shape(network.input);
    Tensor expected = input_value(set_dir + "/output_0.pb", type_refusal);
    if (!type_refusal.empty()) throw std::runtime_error(set_dir + "/output_0.pb: " + type_refusal);
    DataSet data{fs::path(set_dir).filename().string(), reshaped(std::move(*input), shape, "input_0.pb"),
                 std::move(expected)};
    return {std::move(network), std::move(model.weights), std::move(data)};
  } catch (const CompileError& e) {
    throw Refused{first_diagnostic(e.what())};
  }
}

}  // namespace

Comparison compare(const Tensor& got, const Tensor& expected, const Tolerance& tolerance) {
  Comparison result;
  if (got.shape != expected.shape) {
    result.shapes_match = false;
    return result;
  }
  for (std::size_t i = 0; i < got.data.size(); ++i) {
    const double value = got.data[i], want = expected.data[i];
    // As assert_allclose: equal infinities and NaN against NaN match; a NaN against a number fails.
    if (value == want || (std::isnan(value) && std::isnan(want))) continue;
    const double error = std::fabs(value - want);
    const double ratio = error / (tolerance.atol + tolerance.rtol * std::fabs(want));
    if (std::isnan(error)) {
      result.max_error = result.worst_ratio = std::numeric_limits<double>::infinity();
      break;
    }
    result.max_error = std::max(result.max_error, error);
    result.worst_ratio = std::max(result.worst_ratio, ratio);
  }
  return result;
}

Preparation prepare(const std::string& dir) {
  const std::string bytes = read_text_file(dir + "/" + kModelFile);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) throw std::runtime_error(dir + "/model.onnx: not an ONNX model");
  Preparation out;
  try {
    for (const std::string& set_dir : data_set_dirs(dir))
      out.cases.push_back(import_data_set(bytes, dir, model.graph(), set_dir));
  } catch (const Refused& refused) {
    out.cases.clear();
    out.refusal = refused.reason;
  }
  if (out.cases.empty() && out.refusal.empty()) throw std::runtime_error(dir + ": no test_data_set_N");
  return out;
}

Tensor run_reference_on(const ImportedCase& imported) {
  return run_reference(imported.graph, imported.weights, imported.data.input);
}

}  // namespace rnc::backend
