// The images int8 calibration runs the network on (`resnetc compile --calibration FILE`): one .npy
// of K images, or a directory of .npy/.pgm/.ppm files, read with the generated programs' own
// readers (runtime/npy, runtime/pnm: PGM/PPM samples divided by maxval) so calibration sees the
// values inference will see.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dsl/ir/shape.hpp"

namespace rnc {

// How much calibration data is read before giving up with a message (the activation statistics
// are accumulated image by image, but the images themselves are all held in memory).
struct CalibrationLimits {
  std::size_t max_images = 4096;
  std::uint64_t max_bytes = std::uint64_t{2} << 30;  // of float32 image data
};

// Reads the calibration images for a network whose input is `input_shape` = [N, C, H, W] and
// returns them in batches of that exact shape: batch b holds images b*N .. b*N+N-1 in order (for
// N = 1, one [1, C, H, W] tensor per image). The image count K must be a multiple of N: images
// are neither dropped nor repeated, which would skew the statistics.
//
// `path` is either
//   - a file: a float32 ('<f4') C-order .npy of shape [K, C, H, W] (K >= 1) or [C, H, W] (one
//     image), or one binary PGM (1 channel) / PPM (3 channels) image of size H x W;
//   - a directory: its regular files whose extension is .npy, .pgm or .ppm (any case), read in
//     byte order of their names (so "img10" comes before "img2": zero-pad numbers); everything
//     else (other files, subdirectories) is ignored, but at least one file must be usable.
// A file's format comes from its magic bytes, like the generated programs' --input.
//
// Throws CompileError whose message starts with the offending file (or the directory/file given,
// for the batch and size limits) and says what was found and what was expected: a missing or
// unreadable path, a corrupt .npy or PNM, a dtype other than float32, a wrong shape or image
// size, a PGM for a 3-channel or a PPM for a 1-channel input, zero images, a NaN or an infinity
// (naming the image and the element), more than `limits` allow, an input not of rank 4.
std::vector<Tensor> read_calibration_images(const std::string& path, const Shape& input_shape,
                                            const CalibrationLimits& limits = {});

}  // namespace rnc
