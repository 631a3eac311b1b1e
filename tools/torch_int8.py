#!/usr/bin/python3
"""PyTorch's own int8 version of a model, the reference for resnetc's int8: post-training static
quantization with torch.ao.quantization's FX mode (prepare_fx, calibration, convert_fx) on the
'onednn' engine with its default qconfig (activations per tensor, unsigned, full 8-bit range,
HistogramObserver; weights per output channel, symmetric). BatchNorm is folded into the
convolutions and every residual add with its ReLU becomes one quantized add_relu.

  torch_int8.py --spec S.json --weights W.safetensors --calibration calib.npy \\
                --images x.npy [--labels y.txt] [checks] [--json-out FILE] [--save-logits DIR]
  torch_int8.py --torchvision resnet18 [--weights W.safetensors] ...   (random weights without)

prints one JSON line: {"fp32_accuracy", "int8_accuracy", "agreement" (int8's top-1 equals
fp32's), "engine", "images", "calibration_images", ...}; the accuracies are null without
--labels. The checks (--min-fp32-accuracy, --min-int8-accuracy, --max-drop, --min-agreement)
make the exit status 1 when one fails. The calibration images go through the network in one
batch. tools/bench.py imports load_seed_net / build_model and quantize.
"""

import argparse
import copy
import json
import os
import sys

import numpy as np
import torch

import seed_model
import torch_export

ENGINE = "onednn"
FALLBACK_ENGINES = ("x86", "fbgemm")   # when this torch has no oneDNN quantized engine
EVAL_BATCH = 500


class Int8Error(Exception):
    pass


# ------------------------------------------------------------------------------ models

def arch_of_spec(spec):
    """build_seed_net keyword arguments of a spec in the seed's layout (b1 stem, resnet_block
    stages, global_avgpool/flatten/linear head: what tools/train_seed_net.spec_text writes)."""
    try:
        shape = spec["input"]["shape"]
        stages = spec["stages"]
        blocks = [s for s in stages if s.get("op") == "resnet_block"]
        head = stages[-1]["layers"]
        arch = {"in_channels": int(shape[1]), "widths": tuple(int(s["out_channels"]) for s in blocks),
                "residuals": tuple(int(s["num_residuals"]) for s in blocks),
                "num_classes": int(head[-1]["out_features"])}
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise Int8Error(f"not a spec in the seed's layout ({type(e).__name__}: {e}); "
                        "use --torchvision for torchvision models")
    if len(blocks) + 2 != len(stages) or head[-1].get("op") != "linear":
        raise Int8Error("not a spec in the seed's layout (b1, resnet_block stages, a linear head)")
    return arch


def load_seed_net(spec_path, weights_path):
    """(fp32 seed network in eval mode, input shape of the spec) from a spec in the seed's
    layout and its state_dict safetensors."""
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    net = seed_model.build_seed_net(**arch_of_spec(spec))
    net.load_state_dict(torch_export.load_safetensors(weights_path), strict=True)
    return net.eval(), tuple(spec["input"]["shape"])


def build_model(torchvision_name, weights_path=None, in_channels=3, seed=0):
    """A torchvision ResNet in eval mode: with the state_dict in weights_path (its fc decides the
    class count), or seeded random weights (seed_model.build_randomized_model, 1000 classes)."""
    if weights_path is None:
        return seed_model.build_randomized_model(torchvision_name, seed, in_channels, num_classes=1000)
    state = torch_export.load_safetensors(weights_path)
    net = seed_model.build_torchvision_resnet(torchvision_name, in_channels, len(state["fc.bias"]))
    net.load_state_dict(state, strict=True)
    return net.eval()


# ------------------------------------------------------------------------ quantization

def pick_engine(engine=ENGINE):
    """`engine` when this torch supports it, else the first fallback (with the reason on
    stderr); sets torch.backends.quantized.engine, which convert_fx packs the weights for."""
    supported = torch.backends.quantized.supported_engines
    chosen = engine
    if engine not in supported:
        chosen = next((e for e in FALLBACK_ENGINES if e in supported), None)
        if chosen is None:
            raise Int8Error(f"torch {torch.__version__} has no quantized engine {engine!r} nor "
                            f"{'/'.join(FALLBACK_ENGINES)} (supported: {', '.join(supported)})")
        print(f"torch_int8.py: torch {torch.__version__} has no quantized engine {engine!r} "
              f"(supported: {', '.join(supported)}); using {chosen!r}", file=sys.stderr)
    torch.backends.quantized.engine = chosen
    return chosen


def quantize(net, calibration, engine=ENGINE):
    """(int8 GraphModule, engine used): `net` (fp32, eval mode, left unchanged) prepared with the
    engine's default qconfig, calibrated on the float32 [N,C,H,W] tensor `calibration` in one
    batch and converted."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    engine = pick_engine(engine)
    # prepare_fx fuses (conv, bn, relu) in place of the modules it is given: work on a copy.
    prepared = prepare_fx(copy.deepcopy(net).eval(), get_default_qconfig_mapping(engine),
                          (calibration[:1],))
    with torch.no_grad():
        prepared(calibration)
    return convert_fx(prepared), engine


def predict(net, x):
    """Logits of `net` on float32 [N,C,H,W], EVAL_BATCH images at a time."""
    with torch.no_grad():
        return torch.cat([net(x[i:i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)])


# ------------------------------------------------------------------------------- CLI

def load_images(path, what):
    """float32 [N,C,H,W] from an .npy, or [N,1,W,W] from a PGM of N images stacked vertically
    (pixels / 255, as the generated binary reads it; examples/digits/heldout.pgm)."""
    if path.endswith(".pgm"):
        import train_digits  # its PGM reader; imported here, where it is needed
        pixels = train_digits.read_pgm(path)
        side = pixels.shape[1]
        return torch.from_numpy(pixels.reshape(-1, 1, side, side).astype(np.float32) / 255.0)
    try:
        x = np.load(path)
    except (OSError, ValueError) as e:
        raise Int8Error(f"{path}: cannot read the {what} ({e})")
    if x.ndim != 4 or x.dtype != np.float32:
        raise Int8Error(f"{path}: expected float32 [N,C,H,W] {what}, got {x.dtype} {list(x.shape)}")
    return torch.from_numpy(x)


def load_labels(path, count):
    with open(path, encoding="utf-8") as f:
        labels = [int(line) for line in f if line.strip()]
    if len(labels) != count:
        raise Int8Error(f"{path}: {len(labels)} labels for {count} images")
    return torch.tensor(labels)


def evaluate(args):
    torch.set_num_threads(args.threads)
    calibration = load_images(args.calibration, "calibration images")
    x = load_images(args.images, "images")
    if args.torchvision:
        net = build_model(args.torchvision, args.weights, x.shape[1], args.seed)
    else:
        net, shape = load_seed_net(args.spec, args.weights)
        for name, data in (("calibration images", calibration), ("images", x)):
            if tuple(data.shape[1:]) != shape[1:]:
                raise Int8Error(f"{name} {list(data.shape)}: the spec's input is {list(shape)}")
    int8, engine = quantize(net, calibration, args.engine)
    fp32_logits, int8_logits = predict(net, x), predict(int8, x)
    fp32_top, int8_top = fp32_logits.argmax(1), int8_logits.argmax(1)
    result = {"fp32_accuracy": None, "int8_accuracy": None,
              "agreement": float((fp32_top == int8_top).double().mean()),
              "engine": engine, "torch": torch.__version__, "images": len(x),
              "calibration_images": len(calibration)}
    if args.labels:
        labels = load_labels(args.labels, len(x))
        result["fp32_accuracy"] = float((fp32_top == labels).double().mean())
        result["int8_accuracy"] = float((int8_top == labels).double().mean())
    if args.save_logits:
        os.makedirs(args.save_logits, exist_ok=True)
        for name, logits in (("fp32_logits.npy", fp32_logits), ("int8_logits.npy", int8_logits)):
            np.save(os.path.join(args.save_logits, name), logits.numpy())
    text = json.dumps(result)
    if args.json_out:
        torch_export.atomic_write_bytes(args.json_out, (text + "\n").encode("utf-8"))
    print(text, flush=True)
    return check(result, args)


def check(result, args):
    """Messages of the failed checks on stderr; 0 when all pass."""
    failures = []
    accuracies = (("fp32_accuracy", args.min_fp32_accuracy), ("int8_accuracy", args.min_int8_accuracy))
    if result["fp32_accuracy"] is None and any(v is not None for v in
                                               (args.min_fp32_accuracy, args.min_int8_accuracy, args.max_drop)):
        failures.append("accuracy checks need --labels")
    else:
        for key, minimum in accuracies:
            if minimum is not None and result[key] < minimum:
                failures.append(f"{key} {result[key]:.4f} < {minimum}")
        if args.max_drop is not None and result["fp32_accuracy"] - result["int8_accuracy"] > args.max_drop:
            failures.append(f"int8 is {result['fp32_accuracy'] - result['int8_accuracy']:.4f} below fp32 "
                            f"(at most {args.max_drop})")
    if args.min_agreement is not None and result["agreement"] < args.min_agreement:
        failures.append(f"agreement {result['agreement']:.4f} < {args.min_agreement}")
    for failure in failures:
        print(f"torch_int8.py: check failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--spec", help="a spec in the seed's layout (needs --weights)")
    model.add_argument("--torchvision", choices=seed_model.TORCHVISION_RESNETS, help="a torchvision ResNet")
    parser.add_argument("--weights", help="state_dict safetensors")
    parser.add_argument("--seed", type=int, default=0, help="random weights' seed (--torchvision without --weights)")
    parser.add_argument("--calibration", required=True, help="float32 .npy [N,C,H,W], one batch")
    parser.add_argument("--images", required=True, help="float32 .npy [N,C,H,W] to evaluate")
    parser.add_argument("--labels", help="their true classes, one per line")
    parser.add_argument("--engine", default=ENGINE, help=f"quantized engine (default {ENGINE})")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--json-out", help="also write the JSON line to this file")
    parser.add_argument("--save-logits", metavar="DIR", help="write fp32_logits.npy and int8_logits.npy")
    parser.add_argument("--min-fp32-accuracy", type=float)
    parser.add_argument("--min-int8-accuracy", type=float)
    parser.add_argument("--max-drop", type=float, help="largest fp32 minus int8 accuracy (fraction)")
    parser.add_argument("--min-agreement", type=float, help="smallest top-1 agreement of int8 with fp32")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.spec and not args.weights:
        parser.error("--spec needs --weights")
    try:
        return evaluate(args)
    except (Int8Error, torch_export.ExportError, ValueError, RuntimeError, OSError) as e:
        print(f"torch_int8.py: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
