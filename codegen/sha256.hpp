// SHA-256 (FIPS 180-4), for the model hash that binds generated code to its weights blob.
#pragma once

#include <string>
#include <string_view>

namespace rnc {

std::string sha256_hex(std::string_view data);

}  // namespace rnc
