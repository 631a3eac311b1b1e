// The values of ONNX TensorProtos, as resnetc's float Tensor (weights, test data) or as integers
// (Reshape's target shape). Data may sit in the proto (raw_data or the typed fields) or in an
// external-data file, which must lie inside the model's directory. Every size is checked against
// the shape before anything is allocated.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "dsl/ir/shape.hpp"

namespace rnc::onnx_import {

// A tensor that cannot be read; the message says what is wrong (the caller says where).
class TensorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The dims, checked to be non-negative with a product of at most kMaxElements.
Shape tensor_shape(const onnx::TensorProto& tensor);
// FLOAT, DOUBLE, FLOAT16 or BFLOAT16 values as float. `model_dir` resolves external data.
Tensor float_tensor(const onnx::TensorProto& tensor, const std::string& model_dir);
// INT64 or INT32 values.
std::vector<std::int64_t> integer_values(const onnx::TensorProto& tensor, const std::string& model_dir);
// "FLOAT", "INT8", ... for messages.
std::string data_type_name(int data_type);

// A TensorProto serialized on its own (the .pb files of ONNX's backend tests).
onnx::TensorProto read_tensor_file(const std::string& path);

}  // namespace rnc::onnx_import
