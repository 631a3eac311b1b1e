#!/usr/bin/python3
"""Benchmark resnetc's generated ResNets against PyTorch (oneDNN), end to end, fp32 and int8.

One run: builds resnetc, makes each network's weights with PyTorch (the seed ResNet-18 and
torchvision's ResNet-50, random weights with randomized BatchNorm statistics; with --models also
torchvision's ResNeXt-50 32x4d, and ResNet-50 and ResNeXt-50 exported to ONNX by tools/onnx_export.py),
compiles its spec or .onnx (fp32: default, and --exact for the seed; int8: --precision int8 on generated
calibration images), builds the generated projects (timing the builds), measures the machine's fp32 FMA peak
(bench/fma_peak.cpp), times the generated binaries and PyTorch (eager, TorchScript
frozen+optimized, and the int8 model of tools/torch_int8.py calibrated on the same images) at each
thread count, alternating, checks the fp32 outputs against PyTorch and the int8 outputs' SQNR
against fp32, measures the binaries' peak RSS and prints markdown tables with the machine it ran
on. See docs/performance.md.

The timings are only meaningful on a quiet machine: nothing else should be running.
"""

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time

import bench_int8
from arg_types import name_list

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_PYTHON = "/usr/bin/python3"
SPEC = os.path.join(ROOT, "examples", "resnet18.json")
INPUT = os.path.join(ROOT, "examples", "sample_224.npy")
BENCH_DIR = os.path.join(ROOT, "build", "bench")   # every file of a run
SEED = 0                     # weights: seed_model.build_randomized_model(network, SEED, ...)
MIN_RUNS = 40                # timed runs per measurement, outside --quick
MAX_PARITY_ERROR = 1e-3      # above this the binary is wrong and its timings mean nothing
BUILD_TIMEOUT = 1800         # s, cmake configure / build
STEP_TIMEOUT = 300           # s, short commands (check, parity runs)
COMPILE_TIMEOUT = 1200       # s, resnetc compile (int8 calibration runs the network on every image)


@dataclasses.dataclass(frozen=True)
class Network:
    key: str                 # --models name; the seed or a torchvision ResNet of seed_model
    label: str
    spec: str
    shape: tuple             # input [1, C, H, W]
    input: str | None        # the timed input; None: generated (bench_int8.make_images)
    fp32: tuple              # resnetc fp32 variants (keys of VARIANTS)
    torch_fp32: tuple        # PyTorch fp32 variants
    runs: int                # default timed runs per measurement
    imagenet: bool           # generated images normalized with ImageNet's mean and std
    onnx: str | None = None  # torchvision model exported by tools/onnx_export.py to `spec`, an .onnx


def onnx_network(key, label, model):
    """A torchvision network that resnetc compiles from the .onnx that torch.onnx.export writes
    (opset 13, BatchNorm folded by the exporter: its defaults), weights from its initializers."""
    return Network(key, label + " (ONNX)", os.path.join(BENCH_DIR, f"{key}.onnx"), (1, 3, 224, 224), None,
                   ("default",), ("frozen",), 40, True, model)


def torchvision_network(key, label):
    """A torchvision network of seed_model compiled from its spec examples/torchvision/KEY.json."""
    return Network(key, label, os.path.join(ROOT, "examples", "torchvision", key + ".json"), (1, 3, 224, 224), None,
                   ("default",), ("frozen",), 40, True)


NETWORKS = {n.key: n for n in (
    Network("seed", "seed ResNet-18", SPEC, (1, 1, 224, 224), INPUT, ("default", "exact"),
            ("eager", "frozen"), 60, False),
    torchvision_network("resnet50", "torchvision ResNet-50"),
    torchvision_network("resnext50_32x4d", "torchvision ResNeXt-50 32x4d"),
    onnx_network("resnet50_onnx", "torchvision ResNet-50", "resnet50"),
    onnx_network("resnext50_onnx", "torchvision ResNeXt-50 32x4d", "resnext50_32x4d"))}
DEFAULT_MODELS = ["seed", "resnet50"]
PRECISIONS = ("fp32", "int8")

# The tables' rows, in order: key -> label.
VARIANTS = [("default", "resnetc (default)"), ("exact", "resnetc --exact"),
            ("eager", "PyTorch eager"), ("frozen", "PyTorch frozen+optimized"),
            ("int8", "resnetc int8"), ("torch_int8", "PyTorch int8 (FX, onednn, frozen)")]
LABELS = dict(VARIANTS)
TORCH_VARIANTS = ("eager", "frozen", "torch_int8")


def network_variants(net, precisions):
    """The variants timed for `net`: PyTorch frozen always (every ratio's baseline)."""
    keys = {"frozen"}
    if "fp32" in precisions:
        keys.update(net.fp32 + net.torch_fp32)
    if "int8" in precisions:
        keys.update(("int8", "torch_int8"))
    return [key for key, _ in VARIANTS if key in keys]


# ------------------------------------------------------------------ errors and subprocesses

class StepError(Exception):
    """A failed step: what was being done, the command, its exit status and stderr tail."""

    def __init__(self, step, message, cmd=None, output=""):
        super().__init__(message)
        self.step, self.message, self.cmd, self.output = step, message, cmd, output

    def report(self):
        lines = [f"bench.py: error in step '{self.step}': {self.message}"]
        if self.cmd:
            lines.append("  command: " + " ".join(shlex.quote(str(c)) for c in self.cmd))
        tail = [line for line in (self.output or "").strip().splitlines()][-25:]
        if tail:
            lines.append("  output (last lines):")
            lines.extend("    " + line for line in tail)
        return "\n".join(lines)


def log(text):
    print(f"[bench] {text}", flush=True)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(step, cmd, timeout, cwd=ROOT, env=None):
    """Run `cmd` in its own process group with a timeout (the whole group is killed on timeout
    or Ctrl-C). Returns (stdout, stderr, seconds); raises StepError on failure."""
    cmd = [str(c) for c in cmd]
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                errors="replace", start_new_session=True)
    except OSError as e:
        raise StepError(step, f"cannot start {cmd[0]}: {e}", cmd)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        raise StepError(step, f"timed out after {timeout:.0f} s (killed)", cmd, (out or "") + (err or ""))
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise StepError(step, f"exit status {proc.returncode}", cmd, (err or "") or (out or ""))
    return out, err, seconds


# Peak RSS: Linux starts a process's ru_maxrss at the RSS of the process that exec'd it (with
# vfork/posix_spawn, the parent's), so measured from this driver it would include the driver's own
# memory. A bare `python3 -S` spawns the program instead and reports RUSAGE_CHILDREN; its own
# ~8 MiB is the floor of the measurement, reported next to the result.
RSS_HELPER = """
import os, resource, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
status = os.waitpid(pid, 0)[1]
code = os.waitstatus_to_exitcode(status)
print("\\nbench_maxrss_kib %d" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)
sys.exit(code if code >= 0 else 128 - code)
"""


def peak_rss_mib(step, cmd, timeout):
    """(stdout, peak RSS in MiB) of `cmd`, run once."""
    helper = [sys.executable, "-S", "-c", RSS_HELPER, *map(str, cmd)]
    out, _, _ = run(step, helper, timeout)
    m = re.search(r"^bench_maxrss_kib (\d+)\s*$", out, re.M)
    if not m:
        raise StepError(step, "the RSS helper printed no bench_maxrss_kib line", helper, out)
    return out, int(m.group(1)) / 1024.0


def last_json_line(step, cmd, stdout):
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as e:
        raise StepError(step, f"expected a JSON object on the last stdout line ({e})", cmd, stdout)


# ------------------------------------------------------------------ PyTorch workers
# Run as `/usr/bin/python3 tools/bench.py --worker NAME ...` so that torch lives in its own
# process (threads set before anything else) and the driver never imports it.

def _scriptable_seed(torch, seed_model):
    """The seed network with Residual.forward's `if self.conv3:` written `if self.conv3 is not
    None:`: the notebook's truthiness test on a module does not compile in TorchScript. Same
    modules, same state_dict, same arithmetic."""
    from torch.nn import functional as F

    class ScriptableResidual(seed_model.Residual):
        def forward(self, X):
            Y = F.relu(self.bn1(self.conv1(X)))
            Y = self.bn2(self.conv2(Y))
            if self.conv3 is not None:
                X = self.conv3(X)
            Y += X
            return F.relu(Y)

    net = seed_model.build_seed_net()
    for m in net.modules():
        if type(m) is seed_model.Residual:
            m.__class__ = ScriptableResidual
    return net


def _random_net(network, seed):
    """The network with seeded random weights and randomized BatchNorm, in eval mode."""
    import seed_model
    if network == "seed":
        return seed_model.build_randomized_seed_net(seed)
    if NETWORKS[network].onnx:
        import onnx_export
        return onnx_export.build_model(NETWORKS[network].onnx, seed)
    return seed_model.build_randomized_model(network, seed, 3, num_classes=1000)


def _load_net(torch, network, weights):
    """The PyTorch module the benchmark times, with the weights file resnetc compiles."""
    import seed_model
    import torch_export
    if network == "seed":
        net = _scriptable_seed(torch, seed_model)
    elif NETWORKS[network].onnx:
        import torchvision
        net = getattr(torchvision.models, NETWORKS[network].onnx)(weights=None)
    else:
        net = seed_model.build_torchvision_resnet(network)
    net.load_state_dict(torch_export.load_safetensors(weights), strict=True)
    return net.eval()


def _frozen(torch, net):
    frozen = torch.jit.freeze(torch.jit.script(net))
    return torch.jit.optimize_for_inference(frozen)


def _torch_models(torch, args, keys):
    """{variant: callable} of the PyTorch variants `keys`."""
    net = _load_net(torch, args.network, args.weights)
    make = {"eager": lambda: net, "frozen": lambda: _frozen(torch, net),
            "torch_int8": lambda: bench_int8.load_int8_torch(torch, args.int8_model)}
    return {key: make[key]() for key in keys}


def _load_input(torch, path):
    import numpy as np
    return torch.from_numpy(np.load(path).astype(np.float32))


def worker_weights(args):
    """The network's weights as safetensors and PyTorch's outputs on the input (1 thread); with
    --onnx-out also the network as ONNX (tools/onnx_export.py: the module PyTorch times, exported
    with the timed input); with --calibration also PyTorch's int8 model (saved as TorchScript) and
    the fp32 and int8 outputs on the SQNR images."""
    import torch
    torch.set_num_threads(1)
    import numpy as np
    import torch_export
    torch_export.save_state_dict(_random_net(args.network, args.seed), args.weights_out)
    net = _load_net(torch, args.network, args.weights_out)   # exactly what the benchmark loads
    x = _load_input(torch, args.input)
    frozen = _frozen(torch, net)
    with torch.no_grad():
        eager_y = net(x)
        for _ in range(3):                            # the profiling executor settles
            frozen_y = frozen(x)
    np.save(args.eager_out, eager_y.numpy())
    np.save(args.frozen_out, frozen_y.numpy())
    if args.onnx_out:
        import onnx_export
        onnx_export.export_onnx(net, x, args.onnx_out)
    config = torch.__config__.show()
    onednn = re.search(r"(?:MKL-DNN|oneDNN)[^\n]*?v(\d+\.\d+(?:\.\d+)?)", config)
    capability = re.search(r"CPU capability usage:\s*(\S+)", config)
    info = {
        "torch": torch.__version__,
        "mkldnn_available": bool(torch.backends.mkldnn.is_available()),
        "onednn": onednn.group(1) if onednn else None,
        "aten_cpu_capability": capability.group(1) if capability else None,
        "frozen_uses_mkldnn": "mkldnn" in str(frozen.graph),
        "openmp": "OpenMP" in config,
    }
    if args.calibration:
        info.update(_int8_model(torch, net, args))
    print(json.dumps(info), flush=True)


def _int8_model(torch, net, args):
    import numpy as np
    engine, seconds = bench_int8.quantize_to_file_torch(torch, net, args.calibration, args.int8_model)
    int8 = bench_int8.load_int8_torch(torch, args.int8_model)   # exactly what the benchmark times
    x = _load_input(torch, args.sqnr_images)
    with torch.no_grad():
        np.save(args.sqnr_fp32_out, net(x).numpy())
        for _ in range(3):
            y = int8(x)
    np.save(args.sqnr_int8_out, y.numpy())
    return {"engine": engine, "quantize_seconds": seconds}


def worker_torch_bench(args):
    """Median-ready timings of the PyTorch variants args.variants at args.threads threads."""
    import torch
    torch.set_num_threads(args.threads)              # before anything else touches torch
    x = _load_input(torch, args.input)
    result = {"threads": torch.get_num_threads()}
    with torch.no_grad():
        for name, model in _torch_models(torch, args, args.variants.split(",")).items():
            for _ in range(args.warmup):
                model(x)
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                model(x)
                times.append((time.perf_counter() - start) * 1e3)
            result[name + "_ms"] = times
    print(json.dumps(result), flush=True)


def worker_onednn_isa(args):
    """Runs the PyTorch variants once with oneDNN's verbose log on (the driver sets the variables)
    so that the ISA oneDNN dispatched to and its convolution implementations can be read."""
    import torch
    torch.set_num_threads(1)
    x = _load_input(torch, args.input)
    with torch.no_grad():
        for model in _torch_models(torch, args, args.variants.split(",")).values():
            for _ in range(3):
                model(x)


WORKERS = {"weights": worker_weights, "torch-bench": worker_torch_bench,
           "onednn-isa": worker_onednn_isa}


def torch_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env.pop("DNNL_VERBOSE", None)
    env.pop("ONEDNN_VERBOSE", None)
    return env


def worker_cmd(name, *extra):
    return [TORCH_PYTHON, os.path.abspath(__file__), "--worker", name, *extra]


# ------------------------------------------------------------------ the steps

def build_resnetc(prebuilt=None):
    if prebuilt:
        if not os.access(prebuilt, os.X_OK):
            raise StepError("options", f"--resnetc {prebuilt}: not an executable")
        log(f"using {prebuilt} (--resnetc: not rebuilt)")
        return os.path.abspath(prebuilt)
    build = os.path.join(ROOT, "build")
    if not os.path.isfile(os.path.join(build, "CMakeCache.txt")):
        log("configuring resnetc (cmake -S . -B build)")
        run("configure resnetc", ["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release"],
            BUILD_TIMEOUT)
    log("building resnetc (cmake --build build --target resnetc)")
    run("build resnetc", ["cmake", "--build", build, "-j2", "--target", "resnetc"], BUILD_TIMEOUT)
    exe = os.path.join(build, "resnetc")
    if not os.access(exe, os.X_OK):
        raise StepError("build resnetc", f"{exe} was not produced")
    return exe


def gflop_per_run(resnetc, spec):
    cmd = [resnetc, "check", spec]
    out, _, _ = run("resnetc check", cmd, STEP_TIMEOUT)
    m = re.search(r"\(([0-9.]+) GFLOP per run\)", out)
    if not m:
        raise StepError("resnetc check", "no 'GFLOP per run' in the output", cmd, out)
    return float(m.group(1))


def make_images(net, outdir, int8):
    """{role: .npy path} of the network's timed input and, for int8, its calibration and SQNR
    images (generated, the same files for resnetc and PyTorch)."""
    shape = net.shape[1:]
    paths = {"input": net.input or bench_int8.make_images(
        os.path.join(outdir, f"{net.key}_input.npy"), 1, shape, bench_int8.INPUT_IMAGE_SEED, net.imagenet)}
    if int8:
        for role, count, seed in (("calibration", bench_int8.CALIBRATION_IMAGES, bench_int8.CALIBRATION_IMAGE_SEED),
                                  ("sqnr_images", bench_int8.SQNR_IMAGES, bench_int8.SQNR_IMAGE_SEED)):
            paths[role] = bench_int8.make_images(os.path.join(outdir, f"{net.key}_{role}.npy"), count, shape,
                                                 seed, net.imagenet)
    return paths


def make_weights(net, outdir, images):
    """Weights, PyTorch's outputs and (with calibration images) PyTorch's int8 model; returns
    ({role: path}, the worker's JSON)."""
    paths = {role: os.path.join(outdir, f"{net.key}_{name}") for role, name in (
        ("weights", "weights.safetensors"), ("eager", "torch_eager_y.npy"), ("frozen", "torch_frozen_y.npy"))}
    cmd = worker_cmd("weights", "--network", net.key, "--seed", SEED, "--input", images["input"],
                     "--weights-out", paths["weights"], "--eager-out", paths["eager"],
                     "--frozen-out", paths["frozen"])
    if net.onnx:
        cmd += ["--onnx-out", net.spec]
    if "calibration" in images:
        paths.update({role: os.path.join(outdir, f"{net.key}_{name}") for role, name in (
            ("int8_model", "torch_int8.pt"), ("sqnr_fp32", "sqnr_torch_fp32_y.npy"),
            ("sqnr_torch_int8", "sqnr_torch_int8_y.npy"))})
        cmd += ["--calibration", images["calibration"], "--int8-model", paths["int8_model"],
                "--sqnr-images", images["sqnr_images"], "--sqnr-fp32-out", paths["sqnr_fp32"],
                "--sqnr-int8-out", paths["sqnr_torch_int8"]]
    step = f"{net.key} weights (PyTorch)"
    out, _, _ = run(step, cmd, COMPILE_TIMEOUT, env=torch_env(1))
    return paths, last_json_line(step, cmd, out)


def torch_variant_args(net, variants, paths):
    """The worker options that load the PyTorch variants among `variants` and the timed input."""
    torch_keys = [v for v in TORCH_VARIANTS if v in variants]
    args = ["--network", net.key, "--weights", paths["weights"], "--input", paths["input"],
            "--variants", ",".join(torch_keys)]
    return args + (["--int8-model", paths["int8_model"]] if "torch_int8" in torch_keys else [])


def onednn_isa(torch_args):
    """(ISA line, sorted convolution implementations) from oneDNN's verbose log; None on failure
    (informational only)."""
    env = torch_env(1)
    env["DNNL_VERBOSE"] = env["ONEDNN_VERBOSE"] = "1"
    try:
        out, _, _ = run("oneDNN ISA", worker_cmd("onednn-isa", *torch_args), STEP_TIMEOUT, env=env)
    except StepError as e:
        log(f"warning: could not read oneDNN's verbose log ({e.message}); ISA not reported")
        return None, []
    isa = re.search(r"(?:dnnl|onednn)_verbose,info,cpu,isa:([^\n]*)", out)
    impls = set()
    for line in out.splitlines():
        fields = line.split(",")
        if len(fields) > 5 and fields[0] in ("dnnl_verbose", "onednn_verbose") \
                and fields[1] == "exec" and fields[3] == "convolution":
            impls.add(fields[4])
    return (isa.group(1).strip() if isa else None), sorted(impls)


def compile_flags(variant, calibration, method):
    return {"default": [], "exact": ["--exact"],
            "int8": ["--precision", "int8", "--calibration", calibration, "--calibration-method", method]}[variant]


def compile_model(resnetc, spec, weights, outdir, name, flags):
    """Returns (project directory, seconds, target and weights size from resnetc's output). An
    .onnx spec has its weights (`weights` None)."""
    project = os.path.join(outdir, name)
    cmd = [resnetc, "compile", spec, *(["--weights", weights] if weights else []), "-o", project, "--name", name,
           *flags]
    out, _, seconds = run(f"resnetc compile {name}", cmd, COMPILE_TIMEOUT)
    lines = out.strip().splitlines()
    summary = lines[-1] if lines else ""
    target = re.search(r"target (\S+)", summary)
    weights = re.search(r"\.weights \((\d+) bytes\)", summary)
    return project, seconds, (f"target {target.group(1) if target else 'unknown'}"
                              + (f", weights {int(weights.group(1)) / 1e6:.1f} MB" if weights else ""))


def compiled_binary(resnetc, net, weights, outdir, name, flags, reuse):
    """Compiles and builds the generated project `name`; returns (executable, build seconds,
    (compile seconds, compile summary), whether reused). With `reuse`, a binary built before from
    the same inputs (resnetc executable, spec, weights, calibration images, flags: digest in
    build/bench/NAME.stamp) is taken as is, with the seconds of that build."""
    digest = hashlib.sha256(json.dumps(flags).encode())
    for path in [resnetc, net.spec] + ([weights] if weights else []) + [f for f in flags if os.path.isfile(f)]:
        with open(path, "rb") as f:
            digest.update(hashlib.sha256(f.read()).digest())
    stamp_path, exe = os.path.join(outdir, name + ".stamp"), os.path.join(outdir, name + "-build", name)
    try:
        with open(stamp_path) as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        stamp = {}
    if reuse and stamp.get("digest") == digest.hexdigest() and os.access(exe, os.X_OK):
        log(f"{net.label}: reusing {exe} (--reuse: same inputs as its build)")
        return exe, stamp["build_s"], tuple(stamp["compile"]), True
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    log(f"{net.label}: resnetc compile {name} and build it (cmake --build -j2)")
    project, compile_s, summary = compile_model(resnetc, net.spec, weights, outdir, name, flags)
    exe, build_s = build_model(project, name)
    with open(stamp_path, "w") as f:
        json.dump({"digest": digest.hexdigest(), "build_s": build_s, "compile": [compile_s, summary]}, f)
    return exe, build_s, (compile_s, summary), False


def build_model(project, name):
    """Fresh configure, then a timed `cmake --build -j2`. Returns (executable, seconds)."""
    build = project + "-build"
    shutil.rmtree(build, ignore_errors=True)
    run(f"configure {name}", ["cmake", "-S", project, "-B", build, "-DCMAKE_BUILD_TYPE=Release"],
        BUILD_TIMEOUT)
    _, _, seconds = run(f"build {name}", ["cmake", "--build", build, "-j2"], BUILD_TIMEOUT)
    exe = os.path.join(build, name)
    if not os.access(exe, os.X_OK):
        raise StepError(f"build {name}", f"{exe} was not produced")
    return exe, seconds


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def fma_peak(outdir, threads_list, trials, ms):
    exe = os.path.join(outdir, "fma_peak")
    cmd = ["g++", "-O2", "-march=native", "-pthread"]
    if "avx512f" in cpu_flags():
        cmd.append("-mavx512f")
    cmd += [os.path.join(ROOT, "bench", "fma_peak.cpp"), "-o", exe]
    run("compile fma_peak", cmd, STEP_TIMEOUT)
    cmd = [exe, "--threads", ",".join(map(str, threads_list)), "--trials", trials, "--ms", ms]
    out, _, _ = run("fma peak", cmd, 60 + len(threads_list) * (trials + 2) * ms / 1e3 * 20)
    for line in out.splitlines()[:-1]:
        log(line)
    data = last_json_line("fma peak", cmd, out)
    for r in data["results"]:
        if r["cpu_share"] < 0.9:
            log(f"warning: fma_peak's {r['threads']} thread(s) got only {r['cpu_share']:.0%} of "
                "their cores: other processes are running, the measured peak is too low")
    return data, {r["threads"]: r["gflops"] for r in data["results"]}


def binary_output(step, exe, input_path, y_path):
    """(output array, peak RSS in MiB) of one run of the generated binary at 1 thread."""
    import numpy as np
    if os.path.exists(y_path):
        os.remove(y_path)
    cmd = [exe, "--input", input_path, "--output", y_path, "--threads", "1", "--top", "1"]
    _, rss_mib = peak_rss_mib(step, cmd, STEP_TIMEOUT)
    y = np.load(y_path).astype(np.float64)
    if not np.all(np.isfinite(y)):
        raise StepError(step, "the output has non-finite values", cmd)
    return y, rss_mib


def parity(step, exe, input_path, reference_npy, outdir, name):
    """Relative error max|diff| / max|torch| of the binary's output, and its peak RSS in MiB."""
    import numpy as np
    y, rss_mib = binary_output(step, exe, input_path, os.path.join(outdir, f"{name}_y.npy"))
    ref = np.load(reference_npy).astype(np.float64)
    if y.shape != ref.shape:
        raise StepError(step, f"output shape {y.shape} differs from PyTorch's {ref.shape}")
    scale = float(np.max(np.abs(ref))) or 1.0
    return float(np.max(np.abs(y - ref))) / scale, rss_mib


def int8_sqnr(step, exe, images_npy, reference_npy, outdir, name):
    """SQNR in dB of the binary's outputs on the images (one run each) against PyTorch fp32's,
    and the binary's peak RSS in MiB."""
    import numpy as np
    x, ys, rss = np.load(images_npy), [], 0.0
    for i in range(len(x)):
        image = os.path.join(outdir, f"{name}_sqnr_x{i}.npy")
        np.save(image, x[i:i + 1])
        y, rss_i = binary_output(step, exe, image, os.path.join(outdir, f"{name}_sqnr_y{i}.npy"))
        ys.append(y)
        rss = max(rss, rss_i)
    return bench_int8.sqnr_db(np.concatenate(ys), np.load(reference_npy)), rss


def bench_binary(exe, name, input_path, threads, runs):
    cmd = [exe, "--input", input_path, "--threads", threads, "--bench", runs, "--json"]
    step = f"bench {name} at {threads} thread(s)"
    out, _, _ = run(step, cmd, 120 + runs * 2.0)
    data = last_json_line(step, cmd, out)
    if data.get("threads") != threads or "median_ms" not in data:
        raise StepError(step, f"unexpected JSON {data}", cmd, out)
    return data


def bench_torch(torch_args, threads, runs, warmup):
    """{variant: median ms} of one PyTorch process timing the variants of `torch_args`."""
    cmd = worker_cmd("torch-bench", *torch_args, "--threads", threads, "--runs", runs, "--warmup", warmup)
    step = f"PyTorch at {threads} thread(s)"
    out, _, _ = run(step, cmd, 300 + (runs + warmup) * 3 * 4.0, env=torch_env(threads))
    data = last_json_line(step, cmd, out)
    if data.get("threads") != threads:
        raise StepError(step, f"torch runs {data.get('threads')} threads, asked {threads}", cmd, out)
    return {key[:-3]: statistics.median(v) for key, v in data.items() if key.endswith("_ms")}


# ------------------------------------------------------------------ the report

def cpu_model():
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if ":" in line:
                    k, v = (s.strip() for s in line.split(":", 1))
                    fields.setdefault(k, v)
    except OSError:
        pass
    name = fields.get("model name", platform.processor() or "unknown")
    extra = [f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping") if k in fields]
    if "AMD" in name and fields.get("cpu family") in ("25", "26"):    # 0x19 with AVX-512: Zen 4
        zen = "Zen 5" if fields["cpu family"] == "26" else "Zen 4" if "avx512f" in cpu_flags() else "Zen 3"
        extra.append(zen)
    return name + (f" ({', '.join(extra)})" if extra else "")


def compiler_version():
    try:
        out = subprocess.run(["g++", "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()[0] if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def fmt_ms(v):
    return f"{v:.2f}"


def make_table(results, variants, threads_list, gflop, peaks):
    """One network's table: one row per variant and thread count (medians of the trial medians)."""
    head = ("| model | threads | median ms | trial spread | GFLOP/s | % of measured peak "
            "| ms / PyTorch-frozen ms |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    for t in threads_list:
        frozen = statistics.median(results[t]["frozen"])
        for key in variants:
            trials = results[t][key]
            ms = statistics.median(trials)
            spread = (max(trials) - min(trials)) / ms * 100 if len(trials) > 1 else None
            gflops = gflop / (ms / 1e3)
            peak = peaks.get(t) if key not in ("int8", "torch_int8") else None   # an fp32 FMA peak
            lines.append("| {} | {} | {} | {} | {:.1f} | {} | {:.2f} |".format(
                LABELS[key], t, fmt_ms(ms), f"{spread:.0f}%" if spread is not None else "n/a (1 trial)",
                gflops, f"{100 * gflops / peak:.0f}%" if peak else "n/a", ms / frozen))
    return "\n".join(lines)


def resolve_runs(args, net):
    if args.runs is not None:
        return args.runs
    return 10 if args.quick else net.runs


def prepare_network(resnetc, net, variants, args, outdir):
    """Everything before the timing: weights, images, PyTorch's int8 model, the compiled and built
    binaries, parity and SQNR. Returns the network's state (a dict)."""
    int8 = "int8" in variants
    st = {"exes": {}, "build_s": {}, "compile": {}, "checks": {}, "rss": {}, "sqnr": {}, "reused": False}
    images = make_images(net, outdir, int8)
    log(f"{net.label}: making the weights with PyTorch (seed {SEED}, randomized BatchNorm)"
        + (", the .onnx (tools/onnx_export.py)" if net.onnx else "")
        + (f", PyTorch's int8 model ({bench_int8.CALIBRATION_IMAGES} calibration images)" if int8 else ""))
    paths, st["torch_info"] = make_weights(net, outdir, images)
    st["paths"] = {**images, **paths}
    st["gflop"] = gflop_per_run(resnetc, net.spec)   # an .onnx is only there now
    log(f"{net.label}: {st['gflop']:.3f} GFLOP per run (resnetc check {os.path.relpath(net.spec, ROOT)})")
    stem = os.path.splitext(os.path.basename(net.spec))[0]
    for key in (v for v in variants if v not in TORCH_VARIANTS):
        name = stem + ("" if key == "default" else "_" + key)
        flags = compile_flags(key, images.get("calibration"), args.calibration_method)
        st["exes"][key], st["build_s"][key], st["compile"][key], reused = compiled_binary(
            resnetc, net, None if net.onnx else paths["weights"], outdir, name, flags, args.reuse)
        st["reused"] = st["reused"] or reused
        if key == "int8":
            st["sqnr"]["int8"], st["rss"][key] = int8_sqnr(f"SQNR {name}", st["exes"][key], images["sqnr_images"],
                                                           paths["sqnr_fp32"], outdir, name)
        else:
            st["checks"][key], st["rss"][key] = parity(f"parity {name}", st["exes"][key], images["input"],
                                                       paths["eager"], outdir, name)
    if int8:
        import numpy as np
        st["calibration_text"] = (f"the same {bench_int8.CALIBRATION_IMAGES} calibration images, "
                                  f"--calibration-method {args.calibration_method}")
        st["sqnr"]["torch_int8"] = bench_int8.sqnr_db(np.load(paths["sqnr_torch_int8"]), np.load(paths["sqnr_fp32"]))
    check_outputs(net, st)
    return st


def check_outputs(net, st):
    """Prints parity and SQNR; stops on a wrong fp32 binary, warns on a poor int8 SQNR."""
    import numpy as np
    for key, rel in st["checks"].items():
        print(f"parity {net.label} {LABELS[key]}: max|diff|/max|torch| = {rel:.2e}; peak RSS "
              f"{st['rss'][key]:.1f} MiB (1 run, 1 thread)", flush=True)
    e, f = (np.load(st["paths"][k]).astype(np.float64) for k in ("eager", "frozen"))
    st["frozen_vs_eager"] = float(np.max(np.abs(e - f))) / (float(np.max(np.abs(e))) or 1.0)
    print(f"parity {net.label} PyTorch frozen+optimized vs eager: {st['frozen_vs_eager']:.2e}", flush=True)
    for key, db in st["sqnr"].items():
        rss = f"; peak RSS {st['rss'][key]:.1f} MiB (1 run, 1 thread)" if key in st["rss"] else ""
        print(f"SQNR {net.label} {LABELS[key]} vs PyTorch fp32: {db:.1f} dB on {bench_int8.SQNR_IMAGES} "
              f"images{rss}", flush=True)
        if db < bench_int8.MIN_SQNR_DB:
            log(f"warning: {LABELS[key]} on {net.label}: SQNR {db:.1f} dB < {bench_int8.MIN_SQNR_DB} dB")
    bad = [LABELS[k] for k, rel in st["checks"].items() if not rel <= MAX_PARITY_ERROR]
    if bad:
        raise StepError("parity", f"{net.label}: relative error above {MAX_PARITY_ERROR:g} for "
                                  f"{', '.join(bad)}: the generated code is wrong, not benchmarking")


def time_network(net, st, variants, threads_list, trials, runs, warmup):
    """{threads: {variant: [trial medians]}}. Each trial runs every binary and one PyTorch process
    (all its variants) once, in a rotating order, so that slow drifts of the machine spread over
    all of them; the tables show the median of the per-trial medians."""
    results = {t: {key: [] for key in variants} for t in threads_list}
    units = [k for k in variants if k in st["exes"]] + ["torch"]
    torch_args = torch_variant_args(net, variants, st["paths"])
    st["json_gflop"] = []
    for t in threads_list:
        for trial in range(trials):
            for unit in units[trial % len(units):] + units[:trial % len(units)]:
                if unit == "torch":
                    for key, ms in bench_torch(torch_args, t, runs, warmup).items():
                        results[t][key].append(ms)
                    continue
                data = bench_binary(st["exes"][unit], unit, st["paths"]["input"], t, runs)
                results[t][unit].append(data["median_ms"])
                if unit != "int8":
                    st["json_gflop"].append(data["gflops"] * data["median_ms"] / 1e3)
            log(f"{net.label}, threads {t}, trial {trial + 1}/{trials}: " + ", ".join(
                f"{key} {results[t][key][-1]:.2f} ms" for key in variants))
    gflop, counted = st["gflop"], st["json_gflop"]
    if counted and abs(statistics.median(counted) - gflop) > 0.01 * gflop:
        log(f"warning: the {net.label} binary counts {statistics.median(counted):.3f} GFLOP per run, "
            f"resnetc check {gflop:.3f}; the table uses resnetc check's")
    return results


def network_lines(net, st, runs, cores):
    """The network's lines of the machine block."""
    input_text = os.path.relpath(net.input, ROOT) if net.input else (
        "generated uniform [0, 1)" + (" normalized with ImageNet's mean and std" if net.imagenet else ""))
    builds = ", ".join(f"{LABELS[k]} {s:.1f} s" for k, s in st["build_s"].items())
    builds += " (some reused from an earlier run: --reuse)" if st["reused"] else ""
    source = os.path.relpath(net.spec, ROOT) + (
        f" (tools/onnx_export.py: torch.onnx.export of {net.onnx}, opset 13, BatchNorm folded by the exporter)"
        if net.onnx else "")
    lines = [f"- {net.label}: {source}, {st['gflop']:.3f} GFLOP per run (`resnetc "
             f"check`: 2 x MACs of the direct algorithm), input {'x'.join(map(str, net.shape))} ({input_text}); "
             f"{runs} timed runs per measurement; generated model builds (cmake --build -j2 on {cores} cores, "
             f"fresh build directory): {builds}"]
    if st["checks"]:
        lines.append("  - Parity vs PyTorch eager (max|diff|/max|torch|): " + ", ".join(
            f"{LABELS[k]} {rel:.2e}" for k, rel in st["checks"].items())
            + f"; PyTorch frozen vs eager {st['frozen_vs_eager']:.2e}")
    if st["rss"]:
        lines.append("  - Peak RSS of the generated binary (1 run, 1 thread): " + ", ".join(
            f"{LABELS[k]} {mib:.1f} MiB" for k, mib in st["rss"].items()))
    if st["sqnr"]:
        compile_s, line = st["compile"]["int8"]
        lines.append(f"  - int8: output SQNR vs PyTorch fp32 eager on {bench_int8.SQNR_IMAGES} images: " + ", ".join(
            f"{LABELS[k]} {db:.1f} dB" for k, db in st["sqnr"].items())
            + f"; resnetc compile int8 took {compile_s:.0f} s ({line}, {st['calibration_text']}); PyTorch "
            f"quantization (prepare_fx, calibration, convert_fx) {st['torch_info']['quantize_seconds']:.0f} s, "
            f"engine {st['torch_info']['engine']}")
    return lines


def machine_lines(args, started, runs_text, trials, load, fma_data, peaks, torch_info, isa, conv_impls):
    load_start, load_end = load
    shares = {r["threads"]: r["cpu_share"] for r in fma_data["results"]}
    peak_text = ", ".join(f"{t} thread{'s' if t > 1 else ''} {peaks[t]:.1f} GFLOP/s "
                          f"(CPU share {shares[t]:.2f})" for t in args.threads_list)
    mode = "--quick smoke run: too few runs to quote" if args.quick else "full run"
    cores = os.cpu_count() or 0
    return [
        f"- Run: {started.strftime('%Y-%m-%d %H:%M UTC')}, "
        f"`{' '.join(['tools/bench.py'] + [shlex.quote(a) for a in sys.argv[1:]])}` ({mode}); "
        f"{runs_text} timed runs per measurement, {trials} trial(s) per variant and thread count, alternating; "
        f"took {(datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60:.1f} min",
        f"- CPU: {cpu_model()}; {cores} logical cores"
        + (f", {len(os.sched_getaffinity(0))} usable" if hasattr(os, "sched_getaffinity") else "")
        + f"; int8 dot products: {bench_int8.vnni_text(cpu_flags())}",
        f"- Load average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f}"
        + ("" if max(load_start[0], load_end[0]) <= 0.5 else
           " - NOT a quiet machine: these numbers are noisy"),
        f"- Measured fp32 FMA peak ({fma_data['isa']}, {fma_data['accumulators']} accumulators, "
        f"bench/fma_peak.cpp): {peak_text} (the % column of fp32 rows; int8 rows: n/a)",
        f"- resnetc: generated code built with {compiler_version()}, -O3 -march=native, Release",
        f"- PyTorch {torch_info['torch']}, oneDNN {torch_info['onednn'] or 'unknown'} "
        f"(mkldnn available: {torch_info['mkldnn_available']}), ATen CPU capability "
        f"{torch_info['aten_cpu_capability'] or 'unknown'}; oneDNN ISA: {isa or 'unknown'}; "
        f"oneDNN convolutions: {', '.join(conv_impls) or 'unknown'}; frozen graph uses MKLDNN "
        f"ops: {torch_info['frozen_uses_mkldnn']}",
        f"- Python {platform.python_version()}, Linux {platform.release()}",
    ]


def preflight(args, load_start):
    if not args.quick:
        for net in args.models:
            runs = resolve_runs(args, net)
            if runs < MIN_RUNS:
                raise StepError("options", f"--runs {runs}: at least {MIN_RUNS} timed runs are needed "
                                           "(or --quick for a smoke run)")
    if load_start[0] > 0.5:
        log(f"warning: load average {load_start[0]:.2f}: the machine is not quiet, the numbers "
            "will be noisy; take final numbers on a quiet machine")
    for tool in ("cmake", "g++", TORCH_PYTHON):
        if not shutil.which(tool):
            raise StepError("preflight", f"{tool} not found")
    try:
        import numpy  # noqa: F401  (the parity check)
    except ImportError:
        raise StepError("preflight", f"numpy is missing in {sys.executable}; run the script "
                                     f"as tools/bench.py or with {TORCH_PYTHON}")
    cores = os.cpu_count() or 0
    if cores and max(args.threads_list) > cores:
        log(f"warning: --threads-list {max(args.threads_list)} exceeds the {cores} cores: "
            "oversubscribed runs measure the scheduler, not the code")


def main_bench(args):
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    threads_list = args.threads_list
    trials = args.trials if args.trials is not None else (1 if args.quick else 5)
    warmup = 3 if args.quick else 10
    preflight(args, load_start)
    outdir = BENCH_DIR
    os.makedirs(outdir, exist_ok=True)

    resnetc = build_resnetc(args.resnetc)
    variants = {net.key: network_variants(net, args.precision) for net in args.models}
    states = {net.key: prepare_network(resnetc, net, variants[net.key], args, outdir) for net in args.models}
    first = args.models[0]
    isa, conv_impls = onednn_isa(torch_variant_args(first, variants[first.key], states[first.key]["paths"]))

    log("measuring the fp32 FMA peak (bench/fma_peak.cpp)")
    fma_data, peaks = fma_peak(outdir, threads_list, 3 if args.quick else 7, 100 if args.quick else 250)

    results = {net.key: time_network(net, states[net.key], variants[net.key], threads_list, trials,
                                     resolve_runs(args, net), warmup) for net in args.models}

    blocks, summary, network_info = [], [], []
    for net in args.models:
        st, res = states[net.key], results[net.key]
        blocks.append(f"{net.label}:\n\n" + make_table(res, variants[net.key], threads_list, st["gflop"], peaks))
        summary += [(net.key, net.label, t, {k: statistics.median(v) for k, v in res[t].items()})
                    for t in threads_list]
        network_info += network_lines(net, st, resolve_runs(args, net), os.cpu_count() or 0)
    if "int8" in args.precision:
        blocks.append("int8 summary:\n\n" + bench_int8.summary_table(summary, fmt_ms) + "\n\n"
                      + bench_int8.goals_note())
    runs_text = ", ".join(f"{resolve_runs(args, net)} ({net.label})" for net in args.models)
    machine = machine_lines(args, started, runs_text, trials, (load_start, os.getloadavg()), fma_data, peaks,
                            states[first.key]["torch_info"], isa, conv_impls)
    _, rss_floor = peak_rss_mib("RSS floor", ["/bin/true"], STEP_TIMEOUT)
    network_info.append(f"- Peak RSS measurement floor (the helper that spawns the binary): {rss_floor:.1f} MiB")
    machine[1:1] = network_info
    block = "\n\n".join(blocks) + "\n\n" + "\n".join(machine) + "\n"
    print()
    print(block, flush=True)
    if args.markdown:
        with open(args.markdown, "a") as f:
            title = started.strftime("%Y-%m-%d") + (" (--quick, not for quoting)" if args.quick else "")
            f.write(f"\n### {title}\n\n{block}")
        log(f"appended the tables to {args.markdown}")
    if args.json:
        write_json(args.json, states, results, summary)
    return 0


def write_json(path, states, results, summary):
    data = {"networks": {key: {"gflop": st["gflop"], "parity": st["checks"], "sqnr_db": st["sqnr"],
                               "peak_rss_mib": st["rss"], "build_s": st["build_s"],
                               "trial_medians_ms": {str(t): r for t, r in results[key].items()}}
                         for key, st in states.items()},
            "summary": [{"network": key, "threads": t, "median_ms": medians,
                         "ratios": {label: value for label, value, _, _ in bench_int8.goal_ratios(medians)}}
                        for key, _, t, medians in summary]}
    with open(path, "w") as f:
        json.dump(data, f, indent=1, default=str)
        f.write("\n")
    log(f"wrote {path}")


# ------------------------------------------------------------------ command line

def thread_list(text):
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not values or min(values) < 1 or max(values) > 256:
        raise argparse.ArgumentTypeError(f"thread counts must be in 1..256, got {text!r}")
    return list(dict.fromkeys(values))


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        allow_abbrev=False,
        description=__doc__.split("\n\n")[0] + " Writes its files under build/bench/.",
        epilog="Take final numbers on a quiet machine. See docs/performance.md.")
    parser.add_argument("--runs", type=positive_int, metavar="N",
                        help="timed runs per measurement after warm-up (default " + ", ".join(
                            f"{n.runs} for {n.key}" for n in NETWORKS.values())
                        + f"; at least {MIN_RUNS}; 10 with --quick)")
    parser.add_argument("--trials", type=positive_int, metavar="K",
                        help="measurements per variant and thread count, alternating between "
                             "variants; the table takes their median (default 5; 1 with --quick)")
    parser.add_argument("--threads-list", type=thread_list, default=[1, 2], metavar="T,T,...",
                        help="thread counts to measure (default 1,2)")
    parser.add_argument("--models", type=name_list(list(NETWORKS)), default=DEFAULT_MODELS,
                        metavar="M,M,...", help=f"networks to measure, out of {', '.join(NETWORKS)} (default "
                        f"{','.join(DEFAULT_MODELS)}; the _onnx ones are compiled from torch.onnx.export's .onnx)")
    parser.add_argument("--precision", type=name_list(PRECISIONS), default=list(PRECISIONS),
                        metavar="P,P,...", help=f"fp32 and/or int8 (default {','.join(PRECISIONS)}); "
                        "PyTorch frozen is always timed (the baseline of the ratios)")
    parser.add_argument("--calibration-method", choices=("minmax", "percentile", "entropy"),
                        default="percentile", help="resnetc compile's int8 calibration method (default "
                        "percentile; PyTorch's is its HistogramObserver)")
    parser.add_argument("--resnetc", metavar="EXE",
                        help="use this resnetc executable instead of building build/resnetc")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse generated binaries built by an earlier run from the same inputs (resnetc, "
                        "spec, weights, calibration images, flags) instead of compiling and building them again; "
                        "the build times reported are those of that earlier build")
    parser.add_argument("--markdown", metavar="FILE",
                        help="append the tables and the machine block to FILE")
    parser.add_argument("--json", metavar="FILE", help="write the measurements and ratios as JSON to FILE")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: few runs and trials; the numbers are not for quoting")
    return parser


def build_worker_parser():
    """The internal command line of the PyTorch subprocesses: bench.py --worker NAME ..."""
    parser = argparse.ArgumentParser(prog="bench.py --worker", allow_abbrev=False)
    parser.add_argument("--worker", choices=sorted(WORKERS), required=True)
    for name, kind in (("--seed", int), ("--threads", int), ("--runs", int), ("--warmup", int),
                       ("--network", str), ("--variants", str), ("--input", str), ("--weights", str),
                       ("--weights-out", str), ("--eager-out", str), ("--frozen-out", str),
                       ("--calibration", str), ("--int8-model", str), ("--sqnr-images", str), ("--onnx-out", str),
                       ("--sqnr-fp32-out", str), ("--sqnr-int8-out", str)):
        parser.add_argument(name, type=kind)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        args = build_worker_parser().parse_args(argv)
        WORKERS[args.worker](args)
        return 0
    args = build_parser().parse_args(argv)
    args.models = [NETWORKS[key] for key in args.models]
    try:
        return main_bench(args)
    except StepError as e:
        print(e.report(), file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("bench.py: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
