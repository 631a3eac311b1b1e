#!/usr/bin/python3
"""Export torchvision ResNets to ONNX with torch.onnx.export, for resnetc's ONNX tests and benchmark.

One run builds one network (seeded random weights and randomized BatchNorm statistics, eval mode,
the recipe of seed_model.py), computes PyTorch's output on a seeded input once, and writes:

  OUT/MODEL_opsetV_folded.onnx  BatchNorm folded into the convolutions by the exporter
                                (training=EVAL, torch.onnx.export's default for a module in eval mode)
  OUT/MODEL_opsetV_kept.onnx    BatchNorm kept as BatchNormalization nodes (training=PRESERVE with
                                the module in eval mode, which skips the exporter's Conv+BN fusion,
                                and do_constant_folding=False, which PRESERVE asks for)
  OUT/input.npy, OUT/output.npy the input and PyTorch's float32 output (one pair for all variants)
  OUT/info.json                 versions, shapes, the op types of each .onnx, and how far PyTorch's
                                float32 output is from its float64 one

for each opset V of --opsets and each BatchNorm mode of --batchnorm. Every .onnx is checked after
the export (onnx.checker, the opset, BatchNormalization nodes present or absent as asked) before
it is written. Files are replaced atomically; running twice with the same options gives the same
files. Run with a Python that has torch and torchvision (tools/find_torch_python.sh).
"""

import argparse
import collections
import io
import os
import sys

import numpy as np
import torch
from torch import nn

import make_torch_fixture
from arg_types import name_list
import seed_model
import torch_export
from torch_export import ExportError

MODELS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnext50_32x4d", "wide_resnet50_2")
BATCHNORM_MODES = ("folded", "kept")
OPSETS = tuple(range(9, 18))   # what torch 1.13 exports; the tests use 9 and 13
# The input has its own generator (as make_torch_fixture.py): it does not depend on the weights.
INPUT_SEED_OFFSET = 1_000_003
# Names of the graph's input and output and of the dimensions --dynamic makes symbolic.
INPUT_NAME, OUTPUT_NAME = "input", "output"
DYNAMIC_DIMS = {0: "batch", 2: "height", 3: "width"}


def build_model(name, seed, num_classes=1000):
    """torchvision's `name` with seeded weights (global RNG seeded with `seed`) and randomized
    BatchNorm (its own generator), in eval mode; for torchvision's ResNets the same module as
    seed_model.build_randomized_model(name, seed, 3, num_classes=...)."""
    import torchvision  # only here: the worker processes of bench.py import this module too
    if name not in MODELS:
        raise ExportError(f"unknown model {name!r} (expected one of: {', '.join(MODELS)})")
    if num_classes < 1:
        raise ExportError("the class count must be positive")
    torch.manual_seed(seed)
    net = getattr(torchvision.models, name)(weights=None, num_classes=num_classes)
    seed_model.randomize_batchnorm(net, torch.Generator().manual_seed(seed))
    return net.eval()


def make_input(seed, shape):
    """Uniform [0, 1) values of `shape` from a generator of its own."""
    gen = torch.Generator().manual_seed(seed + INPUT_SEED_OFFSET)
    return torch.rand(*shape, generator=gen, dtype=torch.float32)


def reference_output(net, x):
    """(PyTorch's float32 output, max|fp32 - fp64| / max|fp64|): the second says how much of a
    difference to the float32 output is PyTorch's own rounding."""
    with torch.no_grad():
        y = net(x)
        y64 = net.double()(x.double())
        net.float()
    scale = float(y64.abs().max()) or 1.0
    return y, float((y.double() - y64).abs().max()) / scale


def onnx_bytes(net, x, opset, batchnorm, dynamic):
    """The ONNX model of `net` (in eval mode) as bytes, exported at `opset` with BatchNorm folded
    into the convolutions or kept as BatchNormalization nodes."""
    if batchnorm not in BATCHNORM_MODES:
        raise ExportError(f"unknown BatchNorm mode {batchnorm!r} (expected one of: {', '.join(BATCHNORM_MODES)})")
    if net.training:
        raise ExportError("the module must be in eval mode (BatchNorm on its running statistics)")
    training = torch.onnx.TrainingMode.EVAL if batchnorm == "folded" else torch.onnx.TrainingMode.PRESERVE
    axes = {INPUT_NAME: DYNAMIC_DIMS, OUTPUT_NAME: {0: DYNAMIC_DIMS[0]}} if dynamic else None
    buf = io.BytesIO()
    try:
        # Constant folding only where the exporter folds BatchNorm: in PRESERVE mode torch warns that
        # it may change parameters (it does not here; the exported model's output is the same).
        torch.onnx.export(net, x, buf, opset_version=opset, training=training,
                          do_constant_folding=batchnorm == "folded",
                          input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], dynamic_axes=axes)
    except Exception as e:  # the exporter's errors have no common base class
        raise ExportError(f"torch.onnx.export at opset {opset} failed: {type(e).__name__}: {e}")
    if net.training:
        raise ExportError("torch.onnx.export left the module in training mode")
    return buf.getvalue()


def op_types(model):
    """{op type: count} of the graph's nodes, sorted by op type."""
    return dict(sorted(collections.Counter(node.op_type for node in model.graph.node).items()))


def check_onnx(data, opset, batchnorm, batchnorm_modules, dynamic):
    """Checks the exported bytes (onnx.checker, the default domain's opset, BatchNormalization nodes
    as asked, weights as initializers, the input's symbolic dimensions); returns the op types."""
    import onnx
    model = onnx.load_from_string(data)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        raise ExportError(f"the exported model fails onnx.checker: {e}")
    versions = {entry.domain or "ai.onnx": entry.version for entry in model.opset_import}
    if versions.get("ai.onnx") != opset:
        raise ExportError(f"the exported model imports opset {versions}, not {opset}")
    ops = op_types(model)
    found = ops.get("BatchNormalization", 0)
    wanted = batchnorm_modules if batchnorm == "kept" else 0
    if found != wanted:
        raise ExportError(f"BatchNorm {batchnorm} at opset {opset}: {found} BatchNormalization nodes, "
                          f"expected {wanted}")
    if not model.graph.initializer:
        raise ExportError("the exported model has no initializers (weights)")
    inputs = [i for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    if [i.name for i in inputs] != [INPUT_NAME]:
        raise ExportError(f"the exported model's inputs are {[i.name for i in inputs]}, expected [{INPUT_NAME!r}]")
    dims = [d.dim_param or d.dim_value for d in inputs[0].type.tensor_type.shape.dim]
    symbolic = [i for i, d in enumerate(dims) if isinstance(d, str)]
    if symbolic != (sorted(DYNAMIC_DIMS) if dynamic else []):
        raise ExportError(f"the exported input has dimensions {dims}")
    return ops


def variant_name(model, opset, batchnorm):
    return f"{model}_opset{opset}_{batchnorm}"


def checked_onnx(net, x, opset=13, batchnorm="folded", dynamic=False):
    """(ONNX bytes, {op type: count}) of `net` exported with `x` and checked (check_onnx)."""
    data = onnx_bytes(net, x, opset, batchnorm, dynamic)
    batchnorm_modules = sum(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    return data, check_onnx(data, opset, batchnorm, batchnorm_modules, dynamic)


def export_onnx(net, x, path, opset=13, batchnorm="folded", dynamic=False):
    """Writes `net` (in eval mode) exported with `x` to `path` (atomically, once checked); returns
    the op types. For a caller with its own module and input (tools/bench.py)."""
    torch_export.existing_directory(path)
    data, ops = checked_onnx(net, x, opset, batchnorm, dynamic)
    torch_export.atomic_write_bytes(path, data)
    return ops


def npy_bytes(tensor):
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(tensor.numpy(), dtype=np.float32))
    return buf.getvalue()


def export_all(model, out_dir, seed=0, shape=(1, 3, 224, 224), opsets=(13,), batchnorm=("folded",),
               dynamic=False, num_classes=1000):
    """Exports `model` in every (opset, BatchNorm mode) into `out_dir` with the shared input and
    output; returns the info dict written to info.json. Every model is exported and checked before
    any file is written."""
    shape = tuple(shape)
    if len(shape) != 4 or min(shape) < 1 or shape[1] != 3:
        raise ExportError(f"input shape {list(shape)}: expected N,3,H,W with positive sizes")
    torch.set_num_threads(1)                 # deterministic, byte-identical reruns
    torch.use_deterministic_algorithms(True)
    net = build_model(model, seed, num_classes)
    x = make_input(seed, shape)
    y, fp32_error = reference_output(net, x)
    files, variants = {}, {}
    for opset in opsets:
        for mode in batchnorm:
            data, ops = checked_onnx(net, x, opset, mode, dynamic)
            name = variant_name(model, opset, mode)
            files[name + ".onnx"] = data
            variants[name] = {"opset": opset, "batchnorm": mode, "bytes": len(data), "op_types": ops}
    info = {"torch": torch.__version__, "model": model, "seed": seed, "input_shape": list(x.shape),
            "output_shape": list(y.shape), "dynamic": list(DYNAMIC_DIMS.values()) if dynamic else [],
            "batchnorm_modules": sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()),
            "torch_fp32_vs_fp64": fp32_error, "variants": variants}
    files["input.npy"] = npy_bytes(x)
    files["output.npy"] = npy_bytes(y)
    files["info.json"] = make_torch_fixture.info_json_bytes(info)
    os.makedirs(out_dir, exist_ok=True)
    for name, data in files.items():
        torch_export.atomic_write_bytes(os.path.join(out_dir, name), data)
    return info


def int_choices(choices):
    """argparse type for comma-separated integers out of `choices`."""
    def parse(text):
        try:
            values = list(dict.fromkeys(int(v) for v in text.split(",")))
        except ValueError:
            values = []
        if not values or any(v not in choices for v in values):
            raise argparse.ArgumentTypeError(f"expected comma-separated values out of "
                                             f"{min(choices)}..{max(choices)}, got {text!r}")
        return values
    return parse


def build_parser():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: onnx_export.py resnet50 --out out/resnet50 --opsets 13,9 --batchnorm folded,kept "
               "--input-shape 1,3,64,64")
    parser.add_argument("model", choices=MODELS, help="the torchvision network")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="weights and input seed (default 0)")
    parser.add_argument("--input-shape", type=seed_model.int_list, default=(1, 3, 224, 224), metavar="N,3,H,W",
                        help="the traced input's shape, also that of input.npy (default 1,3,224,224)")
    parser.add_argument("--opsets", type=int_choices(OPSETS), default=[13], metavar="V,V",
                        help="ONNX opsets, out of 9 to 17 (default 13)")
    parser.add_argument("--batchnorm", type=name_list(BATCHNORM_MODES), default=["folded"], metavar="M,M",
                        help="folded (by the exporter) and/or kept (BatchNormalization nodes); default folded")
    parser.add_argument("--dynamic", action="store_true",
                        help="make the input's batch, height and width symbolic (the output's batch too)")
    parser.add_argument("--classes", type=int, default=1000, metavar="K", help="output classes (default 1000)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        info = export_all(args.model, args.out, args.seed, args.input_shape, args.opsets, args.batchnorm,
                          args.dynamic, args.classes)
    except (ExportError, ValueError, RuntimeError, OSError) as e:
        print(f"onnx_export.py: error: {e}", file=sys.stderr)
        return 1
    for name, variant in info["variants"].items():
        print(f"{os.path.join(args.out, name)}.onnx: opset {variant['opset']}, {variant['bytes']} bytes, "
              + ", ".join(f"{op} {n}" for op, n in variant["op_types"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
