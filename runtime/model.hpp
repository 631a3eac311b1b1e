// The contract between a generated model and the runtime's command-line driver.
//
// Generated code describes itself with a ModelInfo (shapes, cost, how to find its weights) and
// implements CompiledModel; runtime/inference_main.cpp turns that into the NAME executable
// (--input, --output, --top, --threads, --bench, --profile ...). Keeping the driver here means no
// model repeats it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "error.hpp"

namespace rnc::rt {

struct Tensor;  // npy.hpp

// Receives the tensors of a layer-by-layer dump (--dump-dir), as NCHW or [N, F], in execution
// order: `index` is the tensor's position in that order.
using DumpSink = std::function<void(std::size_t index, const std::string& name, const Tensor& tensor)>;

struct ModelInfo {
  const char* name;                        // model name, e.g. "resnet18"
  std::vector<std::int64_t> input_shape;   // NCHW
  std::vector<std::int64_t> output_shape;  // e.g. {N, classes}
  double flops;                            // floating-point operations per run (2 x MACs)
  const char* weights_file;                // default blob file name, looked up beside the executable
  const char* model_hash;                  // must equal the blob header's model_hash
  std::uint64_t payload_bytes;             // must equal the blob header's payload_bytes
  const unsigned char* embedded_blob;      // whole blob linked into the executable, or nullptr
  std::size_t embedded_blob_size;
  const char* required_isa;         // "avx512", "avx2" or "generic": checked at start
  double (*measure_peak_gflops)();  // one core's FMA peak with the model's instruction set
  // int8 models: one core's int8 multiply-add peak (vpdpbusd), for their int8 layers' rows.
  double (*measure_peak_int8_gops)() = nullptr;
};

// One row of `--profile`: a layer, the algorithm that runs it, and its cost.
struct LayerProfile {
  std::string name;       // e.g. "b3.0.conv1"
  std::string algorithm;  // e.g. "direct conv3x3/s2, 14 px/block"
  double flops;
  double seconds;  // accumulated over the profiled runs
};

class CompiledModel {
 public:
  virtual ~CompiledModel() = default;
  // Points the model at the validated blob payload; must be called before run().
  virtual void bind_weights(const float* payload) = 0;
  // Worker threads used by run(); results are identical for every count.
  virtual void set_threads(int threads) = 0;
  // in: input_shape floats (NCHW), out: output_shape floats. No heap allocation, no locks.
  virtual void run(const float* in, float* out) = 0;
  // Like run(), adding each layer's time to `rows` (created on first use, in layer order).
  virtual void run_profiled(const float* in, float* out, std::vector<LayerProfile>& rows) = 0;
  // Like run(), handing every layer's output to `sink` as soon as it is computed. May allocate.
  virtual void run_dumped(const float* /*in*/, float* /*out*/, const DumpSink& /*sink*/) {
    throw Error("this model cannot dump its layers (it has no dump table)");
  }
};

// Makes a new model; throws std::bad_alloc when its arena cannot be allocated.
using ModelFactory = std::unique_ptr<CompiledModel> (*)();

// The factory of a generated model class: rnc::rt::make_model<NAME::Model>.
template <class M>
std::unique_ptr<CompiledModel> make_model() {
  return std::make_unique<M>();
}

// Runs the NAME executable's command line; returns the process exit code. The model is made by
// `make` once the command line and the CPU are checked (--help allocates no arena, and a failed
// allocation is an error message, exit status 1).
int inference_main(int argc, char** argv, const ModelInfo& info, ModelFactory make);
// The same with a model the caller owns.
int inference_main(int argc, char** argv, const ModelInfo& info, CompiledModel& model);

}  // namespace rnc::rt
