#!/usr/bin/python3
"""Fashion-MNIST as the fashion example's network sees it, with numpy only (no torch): reads
Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, idx .gz files) and writes
.npy inputs for the generated binary, PyTorch and the int8 calibration.

  fashion_mnist.py --split test --out x.npy --labels y.txt          all 10,000 test images
  fashion_mnist.py --split train --count 256 --seed 0 --out calib.npy
                                                                    256 training images, drawn
                                                                    by a seeded permutation

The .npy holds float32 [N,1,S,S] (S = --size, default 64, the example's input side): each 28x28
image is resized with bilinear interpolation, the same as torch.nn.functional.interpolate(
mode="bilinear", align_corners=False) (without antialiasing), rounded back to 8 bits and divided
by 255, so a PGM of the 8-bit pixels is the exact input too. Training (tools/train_fashion.py)
reads its images through the same functions. --labels writes the true classes, one per line.
"""

import argparse
import gzip
import os
import struct
import sys

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
SIZE = 64          # the example's input side (examples/fashion/fashion.json)
IDX_UBYTE = 0x08   # idx type code of unsigned bytes


class DataError(Exception):
    pass


def read_idx(path, dims):
    """uint8 array of an idx file (gzip'd) with `dims` dimensions, checking its header."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DataError(f"{path}: {e.strerror or e} (Debian: apt-get install dataset-fashion-mnist)")
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError(f"{path}: truncated idx header")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != IDX_UBYTE or ndim != dims:
        raise DataError(f"{path}: expected an idx file of unsigned bytes with {dims} dimensions")
    shape = struct.unpack(f">{dims}I", data[4:header])
    if len(data) - header != int(np.prod(shape)):
        raise DataError(f"{path}: {len(data) - header} bytes of data, the header says {shape}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_split(split, data_dir=DATA_DIR):
    """(uint8 [N,28,28], int64 [N]) of the 'train' (60,000) or 'test' (10,000) split."""
    images_file, labels_file = FILES[split]
    images = read_idx(os.path.join(data_dir, images_file), 3)
    labels = read_idx(os.path.join(data_dir, labels_file), 1).astype(np.int64)
    if len(images) != len(labels) or labels.max(initial=0) >= len(CLASSES):
        raise DataError(f"{data_dir}: {len(images)} {split} images with {len(labels)} labels "
                        f"(classes up to {labels.max(initial=0)})")
    return images, labels


def bilinear_matrix(src, dst):
    """[dst, src] float64 matrix of 1-D linear interpolation with half-pixel centres and edge
    clamping: PyTorch's bilinear with align_corners=False, one axis at a time."""
    pos = np.maximum((np.arange(dst) + 0.5) * (src / dst) - 0.5, 0.0)
    lo = np.minimum(np.floor(pos).astype(np.int64), src - 1)
    hi = np.minimum(lo + 1, src - 1)
    frac = pos - lo
    m = np.zeros((dst, src))
    np.add.at(m, (np.arange(dst), lo), 1.0 - frac)
    np.add.at(m, (np.arange(dst), hi), frac)
    return m


def resize_pixels(images, size=SIZE):
    """uint8 [N,size,size]: bilinear resize of uint8 [N,h,w], rounded to 8 bits (float64
    arithmetic: the same on every machine)."""
    rows = bilinear_matrix(images.shape[1], size)
    cols = bilinear_matrix(images.shape[2], size)
    out = np.einsum("yh,nhw,xw->nyx", rows, images.astype(np.float64), cols, optimize=True)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def network_input(pixels):
    """float32 [N,1,S,S] in [0,1] from uint8 [N,S,S], as the generated binary scales a PGM."""
    return (pixels.astype(np.float32) / 255.0)[:, None]


def sample_indices(count, total, seed):
    """`count` distinct indices of `total`, ascending; numpy's legacy RandomState keeps the
    draw stable across numpy versions."""
    if not 0 < count <= total:
        raise DataError(f"--count {count}: expected 1..{total}")
    return np.sort(np.random.RandomState(seed).permutation(total)[:count])


def load_inputs(split, size=SIZE, count=None, seed=0, data_dir=DATA_DIR):
    """(float32 [N,1,size,size], int64 [N]): the whole split, or `count` images drawn with
    `seed`."""
    images, labels = load_split(split, data_dir)
    if count is not None:
        chosen = sample_indices(count, len(labels), seed)
        images, labels = images[chosen], labels[chosen]
    return network_input(resize_pixels(images, size)), labels


def save_atomic(path, write):
    """write(file) into a temporary beside `path`, then rename: no half-written files."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=sorted(FILES), required=True)
    parser.add_argument("--out", required=True, help="the images, float32 .npy [N,1,S,S]")
    parser.add_argument("--labels", help="also write the true classes, one per line")
    parser.add_argument("--count", type=int, help="a seeded sample of this many images (default all)")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    parser.add_argument("--size", type=int, default=SIZE, help=f"input side S (default {SIZE})")
    parser.add_argument("--data-dir", default=DATA_DIR, help=f"the idx files (default {DATA_DIR})")
    args = parser.parse_args(argv)
    try:
        x, y = load_inputs(args.split, args.size, args.count, args.seed, args.data_dir)
        save_atomic(args.out, lambda f: np.save(f, x))
        if args.labels:
            save_atomic(args.labels, lambda f: f.write("".join(f"{v}\n" for v in y).encode()))
    except (DataError, OSError) as e:
        print(f"fashion_mnist.py: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {len(y)} {args.split} images [{len(y)},1,{args.size},{args.size}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
