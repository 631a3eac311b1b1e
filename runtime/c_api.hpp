// The shared logic of the C interface that every generated model exposes in NAME_c.h. The
// generated NAME_c_api.cpp is a thin wrapper: it forwards each extern "C" function here with the
// model's instruction set, description and factory. Nothing here aborts or lets an exception
// cross the C boundary: every failure becomes an rnc_status and a message kept per thread.
#pragma once

#include <cstddef>

#include "model.hpp"
#include "rnc_status.h"

namespace rnc::rt {

// What the C caller holds as an opaque NAME_model*.
struct CModel;

struct CModelFactory {
  const char* required_isa;    // checked before any other code of the model runs
  const ModelInfo& (*info)();  // called only once the CPU is known to be supported
  ModelFactory make;           // a new model; std::bad_alloc: RNC_ERROR_OUT_OF_MEMORY
};

rnc_status c_create(const CModelFactory& factory, const char* weights_path, CModel** out);
rnc_status c_set_threads(CModel* model, int threads);
rnc_status c_run(CModel* model, const float* input, std::size_t input_floats, float* output, std::size_t output_floats);
void c_destroy(CModel* model);
// A static description of `status`; never NULL.
const char* c_status_string(int status);
// The message of the calling thread's last failed call, "" when there was none.
const char* c_last_error();

}  // namespace rnc::rt
