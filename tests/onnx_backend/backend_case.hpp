// One of ONNX's backend tests (a directory holding model.onnx and test_data_set_N/{input_K.pb,
// output_K.pb}) as resnetc sees it: imported with its other graph inputs bound to weights, or
// refused with the importer's reason; then the reference interpreter against ONNX's outputs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/ir/graph.hpp"
#include "dsl/weights.hpp"

namespace rnc::backend {

// np.testing.assert_allclose's test, the one ONNX's backend runner applies:
// |got - expected| <= atol + rtol * |expected| element by element.
struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// How far `got` is from `expected`: the largest absolute error, and the largest ratio of an
// element's error to its allowance (<= 1 passes). A shape mismatch or a NaN where ONNX has a number
// never passes.
struct Comparison {
  bool shapes_match = true;
  double max_error = 0;
  double worst_ratio = 0;
  bool passes() const { return shapes_match && worst_ratio <= 1.0; }
};
Comparison compare(const Tensor& got, const Tensor& expected, const Tolerance& tolerance);

// One test_data_set_N: the activation (reshaped to the network's input) and ONNX's output 0.
struct DataSet {
  std::string name;  // "test_data_set_0"
  Tensor input;
  Tensor expected;
};

// A model resnetc took, with the weights of one data set (bound inputs may differ between sets).
struct ImportedCase {
  Graph graph;
  WeightMap weights;
  DataSet data;
};

// The outcome of reading a test: the imported models (one per data set), or why resnetc refuses it.
struct Preparation {
  std::vector<ImportedCase> cases;
  std::string refusal;  // the first diagnostic when refused; empty otherwise
};

// Reads `dir` (model.onnx and its data sets). Problems with the test data itself (a missing
// output, unreadable files) throw std::runtime_error: they are failures, not refusals.
Preparation prepare(const std::string& dir);

// The reference interpreter on one data set.
Tensor run_reference_on(const ImportedCase& imported);

}  // namespace rnc::backend
