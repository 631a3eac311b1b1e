// ONNX in: an .onnx model read into a resnetc spec in the general form (docs/spec.md section 6)
// plus its weights from the initializers, so that the one spec reader checks it like any spec
// and `resnetc fmt` can write it out. Every layer is located at the ONNX node it came from
// ("node \"/layer1/layer1.0/conv1/Conv\" (Conv, opset 13)"), and every unsupported op, attribute
// or data type is reported at once. Supported ops and attributes: docs/onnx.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dsl/ir/graph.hpp"
#include "dsl/ir/shape.hpp"
#include "dsl/spec_value.hpp"
#include "dsl/weights.hpp"

namespace rnc::onnx_import {

struct ImportOptions {
  // Replaces the input's shape (resnetc --input-shape); needed when the model's dims are symbolic
  // beyond the batch, which reads as 1 without it.
  std::optional<Shape> input_shape;
  // Graph inputs bound to values, which become weights (ONNX's backend tests pass W and B so).
  std::map<std::string, Tensor> bound_inputs;
};

struct ImportedModel {
  nlohmann::ordered_json spec;  // what `resnetc fmt` writes
  SpecValue document;           // the same document, each layer located at its ONNX node
  WeightMap weights;            // by the spec's state_dict names
};

// Throws CompileError listing every problem, each at its node, with `file` as the file name.
ImportedModel import_onnx(const std::string& path, const ImportOptions& options = {});
// The same from bytes in memory; external data is looked up in `model_dir`.
ImportedModel import_onnx_bytes(std::string_view bytes, const std::string& file, const std::string& model_dir,
                                const ImportOptions& options = {});

// The checked graph of an imported model (CompileError at the nodes otherwise).
Graph imported_graph(const ImportedModel& model, const std::string& file);

// True for a path ending in ".onnx".
bool is_onnx_path(std::string_view path);

}  // namespace rnc::onnx_import
