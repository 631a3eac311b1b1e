// The reason resnetc refuses a backend test, as a short category ("dilations != 1", "op Softmax
// not supported") from the first diagnostic of the import or the spec check, so that the table
// counts tests by unsupported feature. docs/onnx.md lists the same features.
#pragma once

#include <string>

namespace rnc::backend {

std::string skip_reason(const std::string& diagnostic);

}  // namespace rnc::backend
