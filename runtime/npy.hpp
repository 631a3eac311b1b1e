// NumPy .npy reading and writing, float32 little-endian C-order only: the one tensor format the
// generated executables exchange with Python.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor.hpp"

namespace rnc::rt {

// Reads a v1.0/2.0/3.0 .npy file with dtype '<f4' and fortran_order False. Zero-size arrays and
// rank 0 (one element) are accepted. Throws Error naming the path and the offending field.
Tensor read_npy(const std::string& path);

// Writes a v1.0 '<f4' C-order .npy atomically (temp file + rename).
void write_npy(const std::string& path, const float* data, const std::vector<std::int64_t>& shape);

// "[1,3,224,224]", the spelling every shape takes in messages.
std::string shape_string(const std::vector<std::int64_t>& shape);

// Product of the dims; throws Error if a dim is negative or the byte size of a float tensor of
// this shape would overflow. `where` prefixes the message.
std::size_t element_count(const std::vector<std::int64_t>& shape, const std::string& where);

}  // namespace rnc::rt
