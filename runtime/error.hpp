// The one exception type of the runtime. Its message says where (file, field) and what was
// expected versus found, so the driver can print it as is: `x.npy: dtype '<f8' is not supported`.
#pragma once

#include <stdexcept>

namespace rnc::rt {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace rnc::rt
