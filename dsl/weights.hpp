// Network parameters by PyTorch state_dict name: reading safetensors, checking them against a
// graph, and deterministic random weights for demos, benchmarks and tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "dsl/ir/graph.hpp"
#include "dsl/ir/shape.hpp"

namespace rnc {

struct WeightMap {
  std::map<std::string, Tensor> tensors;       // float tensors, converted to f32
  std::map<std::string, std::string> ignored;  // integer tensors (num_batches_tracked): name -> dtype

  const Tensor& at(const std::string& name) const { return tensors.at(name); }
};

// Reads F32 tensors and converts F16, BF16 and F64 ones to f32; integer tensors named
// *.num_batches_tracked are kept aside. Throws CompileError naming the file and the tensor.
WeightMap read_safetensors(const std::string& path);
// Writes F32 tensors (sorted by name), for tests and tools.
void write_safetensors(const std::string& path, const WeightMap& weights);

// Throws CompileError with one message listing every missing, unexpected, mis-shaped or
// non-finite tensor.
void check_weights(const Graph& graph, const WeightMap& weights, const std::string& file);

// Deterministic weights: He-uniform convolution and linear weights, small biases and
// non-trivial BatchNorm statistics. Each tensor depends only on the seed and its name.
WeightMap random_weights(const Graph& graph, std::uint64_t seed);

}  // namespace rnc
