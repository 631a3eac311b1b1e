// What a layer-by-layer dump holds (resnetc run --dump-dir and the generated NAME --dump-dir): the
// model input, then the value every step computes, in execution order. The emitter prints it as
// the generated dump table and `resnetc run` takes its names and order from it, so both dumps
// name the same tensors in the same order: the values that survive fusion.
#pragma once

#include <string>
#include <vector>

#include "codegen/program.hpp"

namespace rnc {

struct DumpedValue {
  std::string name;  // value name, shared with the reference interpreter's graph
  int step;          // the step after which the buffer holds it
  int buffer;
};

std::vector<DumpedValue> dump_plan(const Program& program);

}  // namespace rnc
