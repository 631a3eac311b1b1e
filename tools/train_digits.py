#!/usr/bin/python3
"""Train resnetc's demo model on real data: a narrow seed ResNet (the notebook's classes from
seed_model.py) on the handwritten digits that Debian's python3-sklearn ships
(sklearn.datasets.load_digits: 1797 images, 8x8, 16 grey levels), upscaled to 32x32.

  train_digits.py train [--out DIR]        train (CPU, one thread, fixed seeds: byte-identical
                                           reruns) and write the example into DIR
  train_digits.py reference --out DIR      PyTorch's logits for the committed held-out set with
                                           the committed weights, for the parity test (no sklearn)

DIR (default examples/digits) receives: digits.json (spec), digits.safetensors (state_dict
names), labels.txt (one class name per line), heldout.pgm (the held-out digits stacked
vertically, 32 wide) with heldout_labels.txt (their true digits, one per line) and
samples/digit_D.pgm (the first held-out image of each digit D). The network's input is exactly
these 8-bit pixels divided by 255, so a PGM feeds the generated binary as is.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
from torch.nn import functional as F

import make_torch_fixture
import seed_model
import torch_export
import train_seed_net
from train_seed_net import accuracy, lines_bytes, logits_of, pgm_bytes

DEFAULT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "digits")

# 32x32 is the smallest size the seed downsamples cleanly: b1 /4 -> 8x8, b3..b5 /2 -> 1x1.
IMAGE_SIZE = 32
ARCH = {"in_channels": 1, "widths": (8, 16, 32, 32), "residuals": (2, 2, 2, 2), "num_classes": 10}
LABELS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SEED = 0
HELDOUT_COUNT = 360   # 20% of the 1797 images, chosen by a seeded permutation
EPOCHS = 30
BATCH = 64
LEARNING_RATE = 3e-3
MAX_SHIFT = 2         # training-time random translation (the digits are centred), in pixels of 32x32

SPEC = "digits.json"
WEIGHTS = "digits.safetensors"
LABELS_FILE = "labels.txt"
HELDOUT_IMAGES = "heldout.pgm"
HELDOUT_LABELS = "heldout_labels.txt"
SAMPLES = "samples"
CALIBRATION_COUNT = 256


# ------------------------------------------------------------------------------- data

def load_digit_images():
    """(uint8 [N,32,32], int64 [N]) from sklearn's digits: bilinear upscaling of the 0..16
    pixels, then quantized to 8 bits so that the PGMs written later are the exact input."""
    from sklearn.datasets import load_digits  # only training needs sklearn
    digits = load_digits()
    small = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    large = F.interpolate(small, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bilinear",
                          align_corners=False)
    pixels = torch.round(large.squeeze(1).clamp(0, 1) * 255).to(torch.uint8).numpy()
    return pixels, digits.target.astype(np.int64)


def split_indices(count):
    """(train, held-out) index arrays, both ascending; numpy's legacy RandomState keeps the
    permutation stable across numpy versions."""
    order = np.random.RandomState(SEED).permutation(count)
    return np.sort(order[HELDOUT_COUNT:]), np.sort(order[:HELDOUT_COUNT])


def network_input(pixels):
    """float32 [N,1,H,W] in [0,1], as the generated binary scales a PGM."""
    return torch.from_numpy(pixels.astype(np.float32) / 255.0).unsqueeze(1)


# -------------------------------------------------------------------- PGM and text files

def read_pgm(path):
    """2-D uint8 array of a binary PGM with maxval 255 (as written by pgm_bytes; '#' comments
    allowed)."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.find(b"\n", pos) + 1 or len(data)
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace():
            pos += 1
        if start == pos:
            raise torch_export.ExportError(f"{path}: truncated PGM header")
        fields.append(data[start:pos].decode("ascii", "replace"))
    magic, width, height, maxval = fields
    if magic != "P5" or maxval != "255":
        raise torch_export.ExportError(f"{path}: expected a binary PGM (P5) with maxval 255, "
                                       f"got {magic} with maxval {maxval}")
    width, height = int(width), int(height)
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height, offset=pos + 1)
    return pixels.reshape(height, width)


def read_heldout(directory):
    """(uint8 [N,32,32], int64 [N]) from heldout.pgm and heldout_labels.txt."""
    strip = read_pgm(os.path.join(directory, HELDOUT_IMAGES))
    with open(os.path.join(directory, HELDOUT_LABELS), encoding="utf-8") as f:
        labels = np.array([int(line) for line in f if line.strip()], dtype=np.int64)
    if strip.shape != (len(labels) * IMAGE_SIZE, IMAGE_SIZE):
        raise torch_export.ExportError(
            f"{directory}/{HELDOUT_IMAGES}: {strip.shape[1]}x{strip.shape[0]} pixels, expected "
            f"{IMAGE_SIZE}x{len(labels) * IMAGE_SIZE} for {len(labels)} labels")
    return strip.reshape(len(labels), IMAGE_SIZE, IMAGE_SIZE), labels


def spec_text():
    """The spec of the example (examples/resnet18.json's layout)."""
    return train_seed_net.spec_text("digits", ARCH, IMAGE_SIZE)


# ---------------------------------------------------------------------- training, writing

def write_example(directory, net, pixels, labels, heldout):
    """Every file of the example; each write is atomic."""
    os.makedirs(os.path.join(directory, SAMPLES), exist_ok=True)

    def write(name, data):
        torch_export.atomic_write_bytes(os.path.join(directory, name), data)

    write(SPEC, spec_text().encode("utf-8"))
    torch_export.save_state_dict(net, os.path.join(directory, WEIGHTS))
    write(LABELS_FILE, lines_bytes(LABELS))
    write(HELDOUT_IMAGES, pgm_bytes(pixels[heldout].reshape(-1, IMAGE_SIZE)))
    write(HELDOUT_LABELS, lines_bytes(labels[heldout]))
    for digit in range(ARCH["num_classes"]):
        first = heldout[labels[heldout] == digit][0]
        write(os.path.join(SAMPLES, f"digit_{digit}.pgm"), pgm_bytes(pixels[first]))


def cmd_train(args):
    make_torch_fixture.make_deterministic()
    pixels, labels = load_digit_images()
    train_idx, heldout = split_indices(len(labels))
    x, y = network_input(pixels), torch.from_numpy(labels)
    torch.manual_seed(SEED)
    net = seed_model.build_seed_net(**ARCH)
    start = time.perf_counter()
    train_seed_net.train(net, x[train_idx], y[train_idx], EPOCHS, BATCH, LEARNING_RATE, MAX_SHIFT,
                         seed=SEED)
    seconds = time.perf_counter() - start
    print(f"trained on {len(train_idx)} images in {seconds:.1f} s; held-out accuracy "
          f"{accuracy(logits_of(net, x[heldout]), labels[heldout]):.4f} ({len(heldout)} images)")
    write_example(args.out, net, pixels, labels, heldout)
    print(f"wrote {os.path.normpath(args.out)}")


def cmd_reference(args):
    make_torch_fixture.make_deterministic()
    pixels, labels = read_heldout(args.dir)
    net = seed_model.build_seed_net(**ARCH)
    net.load_state_dict(torch_export.load_safetensors(os.path.join(args.dir, WEIGHTS)))
    x = network_input(pixels)
    logits = logits_of(net, x)
    os.makedirs(args.out, exist_ok=True)
    for name, tensor in (("input.npy", x), ("logits.npy", logits)):
        torch_export.atomic_write_bytes(os.path.join(args.out, name),
                                        make_torch_fixture.npy_bytes(tensor.numpy()))
    print(f"PyTorch held-out accuracy {accuracy(logits, labels):.4f} ({len(labels)} images)")


def cmd_calibration(args):
    """256 training images (never the held-out ones) for --precision int8, as calibration.npy."""
    import fashion_mnist  # its seeded sample of distinct indices
    pixels, _ = load_digit_images()
    train, _ = split_indices(len(pixels))
    chosen = train[fashion_mnist.sample_indices(CALIBRATION_COUNT, len(train), 0)]
    torch_export.atomic_write_bytes(os.path.join(args.out, "calibration.npy"),
                                    make_torch_fixture.npy_bytes(network_input(pixels[chosen]).numpy()))


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train and write the example (needs python3-sklearn)")
    p.add_argument("--out", default=DEFAULT_DIR, help="output directory (default examples/digits)")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("reference", help="PyTorch's logits on the committed held-out set")
    p.add_argument("--dir", default=DEFAULT_DIR, help="the example (default examples/digits)")
    p.add_argument("--out", required=True, help="where input.npy and logits.npy go")
    p.set_defaults(func=cmd_reference)
    p = sub.add_parser("calibration", help="int8 calibration images from the training split (needs python3-sklearn)")
    p.add_argument("--out", default=DEFAULT_DIR, help="output directory (default examples/digits)")
    p.set_defaults(func=cmd_calibration)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (torch_export.ExportError, ValueError, RuntimeError, OSError) as e:
        print(f"train_digits.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
