#!/usr/bin/python3
"""Write the sample input image for resnetc examples: a deterministic synthetic
224x224 grey picture (gradient background, a disc, a box outline and a thick
digit-like "7" stroke) drawn with numpy only, as

  examples/sample_224.pgm  binary PGM (P5), 8-bit
  examples/sample_224.npy  float32 [1, 1, 224, 224], the same pixels / 255

Structured content (unlike uniform noise) makes outputs differ visibly
between a correct and a subtly wrong network.
"""

import argparse
import os
import sys

import numpy as np

SIZE = 224


def _grid():
    """Pixel-centre coordinates (y, x), each [SIZE, SIZE] float64."""
    return np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5


def _segment_distance(y, x, p, q):
    """Distance of every pixel to the segment p-q (points as (y, x))."""
    (py, px), (qy, qx) = p, q
    dy, dx = qy - py, qx - px
    t = np.clip(((y - py) * dy + (x - px) * dx) / (dy * dy + dx * dx), 0.0, 1.0)
    return np.hypot(y - (py + t * dy), x - (px + t * dx))


def draw_image():
    """The picture as uint8 [SIZE, SIZE]."""
    y, x = _grid()
    img = 40.0 + 60.0 * (x + y) / (2 * SIZE)                       # diagonal gradient
    img = np.where(np.hypot(y - 140, x - 172) < 30, 170.0, img)      # disc
    box = (np.abs(y - 170) < 30) & (np.abs(x - 45) < 28)
    inner = (np.abs(y - 170) < 24) & (np.abs(x - 45) < 22)
    img = np.where(box & ~inner, 130.0, img)                        # box outline
    stroke = np.minimum(_segment_distance(y, x, (50, 60), (50, 130)),
                        _segment_distance(y, x, (50, 130), (190, 95)))
    img = np.where(stroke < 9, 250.0, img)                          # the "7"
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def pgm_bytes(img):
    """Binary PGM (P5) encoding of a uint8 [H, W] image."""
    h, w = img.shape
    return f"P5\n{w} {h}\n255\n".encode("ascii") + img.tobytes()


def write_samples(out_dir):
    """Write sample_224.pgm and sample_224.npy into out_dir."""
    img = draw_image()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "sample_224.pgm"), "wb") as f:
        f.write(pgm_bytes(img))
    tensor = (img.astype(np.float32) / np.float32(255.0)).reshape(1, 1, SIZE, SIZE)
    np.save(os.path.join(out_dir, "sample_224.npy"), tensor)


def main(argv=None):
    default_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.normpath(default_out),
                        help="output directory (default: the repository's examples/)")
    write_samples(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
