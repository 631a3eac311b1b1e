#include "c_api.hpp"

#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "cpu_features.hpp"
#include "error.hpp"
#include "file_io.hpp"
#include "npy.hpp"
#include "thread_pool.hpp"
#include "weights_blob.hpp"

namespace rnc::rt {

struct CModel {
  WeightsBlob blob;  // declared first: the model points into it
  std::unique_ptr<CompiledModel> model;
  const ModelInfo* info;
};

namespace {

thread_local std::string last_error;

// A failure with its status, thrown from helpers and caught by guarded().
struct CApiError : std::runtime_error {
  CApiError(rnc_status s, const std::string& message) : std::runtime_error(message), status(s) {}
  rnc_status status;
};

// Never throws: it runs inside guarded()'s handlers, and a status matters more than its text.
rnc_status fail(rnc_status status, const char* message) noexcept {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();
  }
  return status;
}
rnc_status fail(rnc_status status, const std::string& message) noexcept { return fail(status, message.c_str()); }

// Runs `body` (which returns an rnc_status) with every exception mapped to a status.
template <class Body>
rnc_status guarded(Body&& body) noexcept {
  try {
    last_error.clear();
    return body();
  } catch (const CApiError& e) {
    return fail(e.status, e.what());
  } catch (const BlobError& e) {
    return fail(e.problem == BlobProblem::kOtherModel ? RNC_ERROR_WEIGHTS_OTHER_MODEL : RNC_ERROR_WEIGHTS_CORRUPT,
                e.what());
  } catch (const std::bad_alloc&) {
    return fail(RNC_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(RNC_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(RNC_ERROR_INTERNAL, "unknown exception");
  }
}

std::size_t floats_of(const std::vector<std::int64_t>& shape) {
  std::size_t n = 1;
  for (const std::int64_t d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

WeightsBlob load_blob(const ModelInfo& info, const char* path) {
  if (path != nullptr) {
    try {
      return WeightsBlob::from_file(path, info.model_hash, info.payload_bytes);
    } catch (const BlobError&) {
      throw;
    } catch (const Error& e) {  // opening or reading the file
      throw CApiError(RNC_ERROR_WEIGHTS_UNREADABLE, e.what());
    }
  }
  if (info.embedded_blob == nullptr) {
    throw CApiError(RNC_ERROR_NULL_ARGUMENT, std::string(info.name) +
                                                 "_create: weights_path is NULL and the model has no "
                                                 "embedded weights (compile with --embed-weights)");
  }
  return WeightsBlob::from_memory(info.embedded_blob, info.embedded_blob_size, info.model_hash, info.payload_bytes);
}

}  // namespace

rnc_status c_create(const CModelFactory& factory, const char* weights_path, CModel** out) {
  return guarded([&] {
    if (out == nullptr)
      return fail(RNC_ERROR_NULL_ARGUMENT,
                  "create: the model argument is NULL; expected the address of a model pointer to set");
    *out = nullptr;
    if (!cpu_supports(factory.required_isa))
      return fail(RNC_ERROR_UNSUPPORTED_CPU, unsupported_cpu_message(factory.required_isa));
    const ModelInfo& info = factory.info();
    auto handle = std::unique_ptr<CModel>(new CModel{load_blob(info, weights_path), factory.make(), &info});
    handle->model->bind_weights(handle->blob.payload());
    *out = handle.release();
    return RNC_OK;
  });
}

rnc_status c_set_threads(CModel* model, int threads) {
  return guarded([&] {
    if (model == nullptr) return fail(RNC_ERROR_NULL_ARGUMENT, "set_threads: the model is NULL");
    if (threads < 1 || threads > ThreadPool::kMaxThreads)
      return fail(RNC_ERROR_INVALID_ARGUMENT, "set_threads: threads is " + std::to_string(threads) + ", expected 1.." +
                                                  std::to_string(ThreadPool::kMaxThreads));
    model->model->set_threads(threads);
    return RNC_OK;
  });
}

rnc_status c_run(CModel* model, const float* input, std::size_t input_floats, float* output,
                 std::size_t output_floats) {
  return guarded([&] {
    if (model == nullptr || input == nullptr || output == nullptr)
      return fail(RNC_ERROR_NULL_ARGUMENT, std::string("run: ") +
                                               (model == nullptr   ? "the model"
                                                : input == nullptr ? "input"
                                                                   : "output") +
                                               " is NULL");
    const ModelInfo& info = *model->info;
    const std::size_t want_in = floats_of(info.input_shape), want_out = floats_of(info.output_shape);
    if (input_floats != want_in)
      return fail(RNC_ERROR_BUFFER_SIZE, "run: input_floats is " + std::to_string(input_floats) +
                                             ", the model's input " + shape_string(info.input_shape) + " has " +
                                             std::to_string(want_in));
    if (output_floats != want_out)
      return fail(RNC_ERROR_BUFFER_SIZE, "run: output_floats is " + std::to_string(output_floats) +
                                             ", the model's output " + shape_string(info.output_shape) + " has " +
                                             std::to_string(want_out));
    model->model->run(input, output);
    return RNC_OK;
  });
}

void c_destroy(CModel* model) { delete model; }

const char* c_status_string(int status) {
  switch (status) {
    case RNC_OK:
      return "success";
    case RNC_ERROR_NULL_ARGUMENT:
      return "a required pointer is NULL";
    case RNC_ERROR_WEIGHTS_UNREADABLE:
      return "the weights file is missing or cannot be read";
    case RNC_ERROR_WEIGHTS_OTHER_MODEL:
      return "the weights blob was made for another model";
    case RNC_ERROR_WEIGHTS_CORRUPT:
      return "the weights blob is truncated, modified or not a blob";
    case RNC_ERROR_BUFFER_SIZE:
      return "a buffer size differs from the model's";
    case RNC_ERROR_UNSUPPORTED_CPU:
      return "this CPU lacks the instruction set the model was compiled for";
    case RNC_ERROR_INVALID_ARGUMENT:
      return "an argument is out of range";
    case RNC_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case RNC_ERROR_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

const char* c_last_error() { return last_error.c_str(); }

}  // namespace rnc::rt
