#!/usr/bin/python3
"""Checks of resnetc on models exported by tools/onnx_export.py, against PyTorch's output.

  onnx_check.py variant --resnetc R --onnx V.onnx --name NAME --binary B --expect Y.npy --input X.npy
                        [--input-shape N,C,H,W] [--exact] [--threads 1,2] [--tolerance T]
      Compiles V.onnx (resnetc compile, as resnetc_add_model does for the model B was built from,
      with the same --name and flags) into a scratch directory and runs the built program B with
      the new weights blob. The blob names the lowered program it was made for, so B refuses it
      unless V.onnx compiles to B's program: one build serves every export of a network (opsets,
      BatchNorm folded by the exporter or kept as BatchNormalization nodes), and each export's own
      weights are checked against PyTorch.
  onnx_check.py run --resnetc R --onnx M.onnx --input X.npy --expect Y.npy [--input-shape ...] [--tolerance T]
      The reference interpreter (resnetc run) on M.onnx.

Passes when max|out - expected| <= T * max|expected| (every thread count). Exit status 0 pass,
1 fail. Needs only numpy.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

TIMEOUT = 900  # s per command


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


def check_variant(args, scratch):
    project = os.path.join(scratch, args.name)
    out = run([args.resnetc, "compile", args.onnx, "-o", project, "--name", args.name, *shape_args(args)]
              + (["--exact"] if args.exact else []))
    print(out.strip().splitlines()[-1] if out.strip() else "", flush=True)
    blob = os.path.join(project, args.name + ".weights")
    expected = np.load(args.expect)
    ok = True
    for threads in args.threads.split(","):
        y = os.path.join(scratch, f"output_{threads}.npy")
        try:
            run([args.binary, "--input", args.input, "--output", y, "--threads", threads, "--weights", blob])
        except CheckFailure as e:
            if "made for another model" in str(e):
                raise CheckFailure(f"{e}\n{os.path.basename(args.onnx)} compiles to another program than the one "
                                   f"{args.binary} was built from: the exports of one network should lower alike")
            raise
        ok = compare(y, expected, args.tolerance, f"{os.path.basename(args.onnx)} at {threads} thread(s)") and ok
    return ok


def check_run(args, scratch):
    y = os.path.join(scratch, "output.npy")
    run([args.resnetc, "run", args.onnx, "--input", args.input, "--output", y, *shape_args(args)])
    return compare(y, np.load(args.expect), args.tolerance, f"resnetc run {os.path.basename(args.onnx)}")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("command", choices=("variant", "run"))
    parser.add_argument("--resnetc", required=True)
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--input", required=True, help="input .npy (tools/onnx_export.py's input.npy)")
    parser.add_argument("--expect", required=True, help="PyTorch's output .npy")
    parser.add_argument("--input-shape", help="resnetc's --input-shape")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="relative to max|expected| (default 1e-4)")
    parser.add_argument("--name", help="variant: the network name the program was built with")
    parser.add_argument("--binary", help="variant: the built program")
    parser.add_argument("--exact", action="store_true", help="variant: the program was built with --exact")
    parser.add_argument("--threads", default="1,2", help="variant: thread counts (default 1,2)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "variant" and not (args.name and args.binary):
        print("onnx_check.py: variant needs --name and --binary", file=sys.stderr)
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
