#!/usr/bin/python3
"""Checks of resnetc on models exported by tools/onnx_export.py, against PyTorch's output.

  onnx_check.py variant --resnetc R --fixture DIR --opset V --batchnorm folded|kept --name NAME --binary B
                        [--input-shape N,C,H,W] [--exact] [--threads 1,2] [--tolerance T]
      Exports the network of DIR (tools/onnx_export.py's files, its info.json) once more at opset V
      with BatchNorm folded or kept into a scratch directory (the same input and PyTorch output as
      DIR's, byte for byte), compiles it (resnetc compile, as resnetc_add_model does for the model
      B was built from, with the same --name and flags) and runs the built program B with the new
      weights blob. The blob names the lowered program it was made for, so B refuses it unless the
      export compiles to B's program: one build serves every export of a network, and each
      export's own weights are checked against PyTorch. The scratch directory is removed after,
      so the exports only take disk space while their test runs.
  onnx_check.py run --resnetc R --onnx M.onnx --input X.npy --expect Y.npy [--input-shape ...] [--tolerance T]
      The reference interpreter (resnetc run) on M.onnx.

Passes when max|out - expected| <= T * max|expected| (every thread count). Exit status 0 pass,
1 fail. `variant` runs with a Python that has torch (it imports tools/onnx_export.py); `run` needs
only numpy.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

TIMEOUT = 900  # s per command
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class CheckFailure(Exception):
    pass


def run(cmd):
    """Runs `cmd`; its output is printed when it fails (CheckFailure)."""
    cmd = [str(c) for c in cmd]
    print("+ " + " ".join(cmd), flush=True)
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CheckFailure(f"timed out after {TIMEOUT} s")
    if r.returncode != 0:
        raise CheckFailure(f"exit status {r.returncode}:\n{r.stdout.rstrip()}")
    return r.stdout


def compare(output_path, expected, tolerance, what):
    """Prints the verdict line; False on a failure."""
    out = np.load(output_path)
    if out.shape != expected.shape:
        print(f"FAIL: {what}: output shape {list(out.shape)} differs from PyTorch's {list(expected.shape)}")
        return False
    expected64, out64 = expected.astype(np.float64), out.astype(np.float64)
    scale = float(np.max(np.abs(expected64)))
    diff = np.abs(out64 - expected64)
    worst = int(np.argmax(np.where(np.isnan(diff), np.inf, diff)))
    error = float(diff.flat[worst])
    relative = error / scale if scale > 0 else error
    ok = relative <= tolerance  # False for NaN
    print(f"{'PASS' if ok else 'FAIL'}: {what}: output {list(out.shape)} max|torch| {scale:.6g}, max error "
          f"{error:.3g} (relative {relative:.3g}, tolerance {tolerance:g}) at flat index {worst}: "
          f"got {out.flat[worst]} expected {expected.flat[worst]}", flush=True)
    return ok


def shape_args(args):
    return ["--input-shape", args.input_shape] if args.input_shape else []


def export_variant(args, scratch):
    """The fixture's network exported at args.opset with args.batchnorm into `scratch`; its path."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import onnx_export
    with open(os.path.join(args.fixture, "info.json")) as f:
        info = json.load(f)
    exported = os.path.join(scratch, "export")
    print(f"exporting {info['model']} at opset {args.opset}, BatchNorm {args.batchnorm}", flush=True)
    onnx_export.export_all(info["model"], exported, info["seed"], info["input_shape"], [args.opset],
                           [args.batchnorm], bool(info["dynamic"]), info["output_shape"][1])
    for name in ("input.npy", "output.npy"):
        with open(os.path.join(exported, name), "rb") as a, open(os.path.join(args.fixture, name), "rb") as b:
            if a.read() != b.read():
                raise CheckFailure(f"the export's {name} differs from {args.fixture}'s: onnx_export.py is not "
                                   "deterministic, or the fixture is stale")
    return os.path.join(exported, onnx_export.variant_name(info["model"], args.opset, args.batchnorm) + ".onnx")


def check_variant(args, scratch):
    onnx = export_variant(args, scratch)
    project = os.path.join(scratch, args.name)
    out = run([args.resnetc, "compile", onnx, "-o", project, "--name", args.name, *shape_args(args)]
              + (["--exact"] if args.exact else []))
    print(out.strip().splitlines()[-1] if out.strip() else "", flush=True)
    os.remove(onnx)
    blob = os.path.join(project, args.name + ".weights")
    expected = np.load(os.path.join(args.fixture, "output.npy"))
    ok = True
    for threads in args.threads.split(","):
        y = os.path.join(scratch, f"output_{threads}.npy")
        try:
            run([args.binary, "--input", os.path.join(args.fixture, "input.npy"), "--output", y,
                 "--threads", threads, "--weights", blob])
        except CheckFailure as e:
            if "made for another model" in str(e):
                raise CheckFailure(f"{e}\n{os.path.basename(onnx)} compiles to another program than the one "
                                   f"{args.binary} was built from: the exports of one network should lower alike")
            raise
        ok = compare(y, expected, args.tolerance, f"{os.path.basename(onnx)} at {threads} thread(s)") and ok
    return ok


def check_run(args, scratch):
    y = os.path.join(scratch, "output.npy")
    run([args.resnetc, "run", args.onnx, "--input", args.input, "--output", y, *shape_args(args)])
    return compare(y, np.load(args.expect), args.tolerance, f"resnetc run {os.path.basename(args.onnx)}")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("command", choices=("variant", "run"))
    parser.add_argument("--resnetc", required=True)
    parser.add_argument("--input-shape", help="resnetc's --input-shape")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="relative to max|expected| (default 1e-4)")
    parser.add_argument("--onnx", help="run: the model")
    parser.add_argument("--input", help="run: input .npy (tools/onnx_export.py's input.npy)")
    parser.add_argument("--expect", help="run: PyTorch's output .npy")
    parser.add_argument("--fixture", help="variant: tools/onnx_export.py's output directory")
    parser.add_argument("--opset", type=int, help="variant: the opset to export at")
    parser.add_argument("--batchnorm", choices=("folded", "kept"), help="variant: BatchNorm folded or kept")
    parser.add_argument("--name", help="variant: the network name the program was built with")
    parser.add_argument("--binary", help="variant: the built program")
    parser.add_argument("--exact", action="store_true", help="variant: the program was built with --exact")
    parser.add_argument("--threads", default="1,2", help="variant: thread counts (default 1,2)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    needed = {"variant": ("fixture", "opset", "batchnorm", "name", "binary"),
              "run": ("onnx", "input", "expect")}[args.command]
    missing = [f"--{n}" for n in needed if getattr(args, n) is None]
    if missing:
        print(f"onnx_check.py: {args.command} needs {', '.join(missing)}", file=sys.stderr)
        return 2
    scratch = tempfile.mkdtemp(prefix="onnx_check_")
    try:
        ok = (check_variant if args.command == "variant" else check_run)(args, scratch)
    except CheckFailure as e:
        print(f"FAIL: {e}", flush=True)
        ok = False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
