// Binary PGM (P5) and PPM (P6) reading, so a generated executable can classify an image without
// Python in the loop.
#pragma once

#include <string>
#include <vector>

namespace rnc::rt {

struct Image {
  int channels;  // 1 for PGM, 3 for PPM
  int height;
  int width;
  std::vector<float> data;  // CHW planar, each sample divided by maxval: [0, 1]
};

// Reads 8-bit P5/P6 (maxval 1..255) with '#' comments in the header; each side 1..32768.
// Bytes after the first image are ignored (netpbm allows several images per file).
Image read_pnm(const std::string& path);

}  // namespace rnc::rt
