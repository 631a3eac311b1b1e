#!/usr/bin/python3
"""Write a PyTorch reference fixture for resnetc: weights, an input and the
float32 output PyTorch computes for it, so the compiled network can be
checked against PyTorch without needing torch at test time.

Output files: weights.safetensors, input.npy, output.npy, info.json, and with
--export-spec also spec.json: the network traced by torch_export.export, so
the whole model (not only its weights) comes from PyTorch.
Running it twice with the same options gives byte-identical files.
"""

import argparse
import io
import json
import os
import sys

import numpy as np
import torch

import seed_model
import torch_export

# The input has its own generator so it does not change when the
# architecture (and hence the number of weights drawn) changes.
INPUT_SEED_OFFSET = 1_000_003


def make_deterministic():
    """One thread and deterministic kernels: byte-identical reruns."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def npy_bytes(array):
    """numpy.save output as bytes (float32, C order) for an atomic write."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array, dtype=np.float32))
    return buf.getvalue()


def compute_fixture(seed, batch, channels, height, width, widths, residuals, classes,
                    model="seed"):
    """(net, input, output) for one configuration."""
    make_deterministic()
    net = seed_model.build_randomized_model(model, seed, channels, widths, residuals, classes)
    gen = torch.Generator().manual_seed(seed + INPUT_SEED_OFFSET)
    x = torch.rand(batch, channels, height, width, generator=gen, dtype=torch.float32)
    with torch.no_grad():
        y = net(x)
    return net, x, y


def write_fixture(out_dir, seed, batch, channels, height, width, widths, residuals, classes,
                  model="seed", export_spec=False):
    """Compute one fixture and write its files into `out_dir`."""
    net, x, y = compute_fixture(seed, batch, channels, height, width, widths, residuals, classes,
                                model)
    os.makedirs(out_dir, exist_ok=True)
    weights = os.path.join(out_dir, "weights.safetensors")
    if export_spec:
        torch_export.export(net, x, os.path.join(out_dir, "spec.json"), weights,
                            name=f"{model}_fixture")
    else:
        torch_export.save_state_dict(net, weights)
    torch_export.atomic_write_bytes(os.path.join(out_dir, "input.npy"), npy_bytes(x.numpy()))
    torch_export.atomic_write_bytes(os.path.join(out_dir, "output.npy"), npy_bytes(y.numpy()))
    info = {"torch": torch.__version__, "model": model, "seed": seed,
            "input_shape": list(x.shape), "output_shape": list(y.shape),
            "classes": classes}
    if model == "seed":
        info.update(widths=list(widths), residuals=list(residuals))
    torch_export.atomic_write_bytes(os.path.join(out_dir, "info.json"), info_json_bytes(info))


def info_json_bytes(info):
    """One key per line, values compact: easy to read and to diff."""
    lines = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in info.items())
    return ("{\n" + lines + "\n}\n").encode("utf-8")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    parser.add_argument("--height", type=int, default=224, help="input height (default 224)")
    parser.add_argument("--width", type=int, default=224, help="input width (default 224)")
    parser.add_argument("--model", choices=seed_model.MODELS, default="seed",
                        help="the seed (default; --widths and --residuals shape it) or a "
                             "torchvision ResNet")
    parser.add_argument("--export-spec", action="store_true",
                        help="also write spec.json, traced from the module by torch_export")
    seed_model.add_arch_arguments(parser, "--channels")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        write_fixture(args.out, args.seed, args.batch, args.in_channels, args.height,
                      args.width, args.widths, args.residuals, args.num_classes, args.model,
                      args.export_spec)
    except (torch_export.ExportError, ValueError, RuntimeError, OSError) as e:
        print(f"make_torch_fixture.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
