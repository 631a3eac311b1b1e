#!/usr/bin/python3
"""Benchmark resnetc's generated seed ResNet-18 against PyTorch (oneDNN), end to end.

One run: builds resnetc, makes the seed weights with PyTorch, compiles the seed spec twice
(default and --exact), builds both generated projects (timing the default build), measures the
machine's fp32 FMA peak (bench/fma_peak.cpp), times the generated binaries and PyTorch eager and
TorchScript frozen+optimized at each thread count, alternating, checks the outputs against
PyTorch, measures the binary's peak RSS and prints one markdown table with the machine it ran on.
See docs/performance.md.

The timings are only meaningful on a quiet machine: nothing else should be running.
"""

import argparse
import datetime
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_PYTHON = "/usr/bin/python3"
SPEC = os.path.join(ROOT, "examples", "resnet18.json")
INPUT = os.path.join(ROOT, "examples", "sample_224.npy")
SEED = 0                     # weights: seed_model.build_randomized_seed_net(SEED)
MIN_RUNS = 40                # timed runs per measurement, outside --quick
MAX_PARITY_ERROR = 1e-3      # above this the binary is wrong and its timings mean nothing
BUILD_TIMEOUT = 1800         # s, cmake configure / build
STEP_TIMEOUT = 300           # s, short commands (check, compile, parity runs)

# The table's rows, in order: key -> label.
VARIANTS = [("default", "resnetc (default)"), ("exact", "resnetc --exact"),
            ("eager", "PyTorch eager"), ("frozen", "PyTorch frozen+optimized")]


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


def _load_net(torch, weights):
    import seed_model
    import torch_export
    net = _scriptable_seed(torch, seed_model)
    net.load_state_dict(torch_export.load_safetensors(weights), strict=True)
    return net.eval()


def _frozen(torch, net):
    frozen = torch.jit.freeze(torch.jit.script(net))
    return torch.jit.optimize_for_inference(frozen)


def worker_weights(args):
    """Seed weights as safetensors and PyTorch's outputs on the input (1 thread)."""
    import torch
    torch.set_num_threads(1)
    import numpy as np
    import seed_model
    import torch_export
    net = seed_model.build_randomized_seed_net(args.seed)
    torch_export.save_state_dict(net, args.weights_out)
    net = _load_net(torch, args.weights_out)          # exactly what the benchmark loads
    x = torch.from_numpy(np.load(args.input).astype(np.float32))
    frozen = _frozen(torch, net)
    with torch.no_grad():
        eager_y = net(x)
        for _ in range(3):                            # the profiling executor settles
            frozen_y = frozen(x)
    np.save(args.eager_out, eager_y.numpy())
    np.save(args.frozen_out, frozen_y.numpy())
    config = torch.__config__.show()
    onednn = re.search(r"(?:MKL-DNN|oneDNN)[^\n]*?v(\d+\.\d+(?:\.\d+)?)", config)
    capability = re.search(r"CPU capability usage:\s*(\S+)", config)
    print(json.dumps({
        "torch": torch.__version__,
        "mkldnn_available": bool(torch.backends.mkldnn.is_available()),
        "onednn": onednn.group(1) if onednn else None,
        "aten_cpu_capability": capability.group(1) if capability else None,
        "frozen_uses_mkldnn": "mkldnn" in str(frozen.graph),
        "openmp": "OpenMP" in config,
    }), flush=True)


def worker_torch_bench(args):
    """Median-ready timings of eager and frozen+optimized at args.threads threads."""
    import torch
    torch.set_num_threads(args.threads)              # before anything else touches torch
    import numpy as np
    net = _load_net(torch, args.weights)
    x = torch.from_numpy(np.load(args.input).astype(np.float32))
    result = {"threads": torch.get_num_threads()}
    with torch.no_grad():
        for name, model in (("eager", net), ("frozen", _frozen(torch, net))):
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
    """Runs eager and frozen once with oneDNN's verbose log on (the driver sets the variables)
    so that the ISA oneDNN dispatched to and its convolution implementations can be read."""
    import torch
    torch.set_num_threads(1)
    import numpy as np
    net = _load_net(torch, args.weights)
    x = torch.from_numpy(np.load(args.input).astype(np.float32))
    frozen = _frozen(torch, net)
    with torch.no_grad():
        net(x)
        for _ in range(3):
            frozen(x)


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

def build_resnetc():
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


def gflop_per_run(resnetc):
    cmd = [resnetc, "check", SPEC]
    out, _, _ = run("resnetc check", cmd, STEP_TIMEOUT)
    m = re.search(r"\(([0-9.]+) GFLOP per run\)", out)
    if not m:
        raise StepError("resnetc check", "no 'GFLOP per run' in the output", cmd, out)
    return float(m.group(1))


def make_weights(outdir):
    paths = {"weights": os.path.join(outdir, "seed_resnet18.safetensors"),
             "eager": os.path.join(outdir, "torch_eager_y.npy"),
             "frozen": os.path.join(outdir, "torch_frozen_y.npy")}
    cmd = worker_cmd("weights", "--seed", SEED, "--input", INPUT, "--weights-out", paths["weights"],
                     "--eager-out", paths["eager"], "--frozen-out", paths["frozen"])
    out, _, _ = run("seed weights (PyTorch)", cmd, STEP_TIMEOUT, env=torch_env(1))
    return paths, last_json_line("seed weights (PyTorch)", cmd, out)


def onednn_isa(weights):
    """(ISA line, sorted convolution implementations) from oneDNN's verbose log; None on failure
    (informational only)."""
    env = torch_env(1)
    env["DNNL_VERBOSE"] = env["ONEDNN_VERBOSE"] = "1"
    try:
        out, _, _ = run("oneDNN ISA", worker_cmd("onednn-isa", "--weights", weights,
                                                    "--input", INPUT), STEP_TIMEOUT, env=env)
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


def compile_model(resnetc, weights, outdir, name, exact):
    project = os.path.join(outdir, name)
    cmd = [resnetc, "compile", SPEC, "--weights", weights, "-o", project, "--name", name]
    if exact:
        cmd.append("--exact")
    run(f"resnetc compile {name}", cmd, STEP_TIMEOUT)
    return project


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


def parity(step, exe, reference_npy, outdir, name):
    """Relative error max|diff| / max|torch| of the binary's output, and its peak RSS in MiB."""
    import numpy as np
    y_path = os.path.join(outdir, f"{name}_y.npy")
    if os.path.exists(y_path):
        os.remove(y_path)
    cmd = [exe, "--input", INPUT, "--output", y_path, "--threads", "1", "--top", "1"]
    _, rss_mib = peak_rss_mib(step, cmd, STEP_TIMEOUT)
    y, ref = np.load(y_path).astype(np.float64), np.load(reference_npy).astype(np.float64)
    if y.shape != ref.shape:
        raise StepError(step, f"output shape {y.shape} differs from PyTorch's {ref.shape}", cmd)
    if not np.all(np.isfinite(y)):
        raise StepError(step, "the output has non-finite values", cmd)
    scale = float(np.max(np.abs(ref))) or 1.0
    rel = float(np.max(np.abs(y - ref))) / scale
    return rel, rss_mib


def bench_binary(exe, name, threads, runs):
    cmd = [exe, "--input", INPUT, "--threads", threads, "--bench", runs, "--json"]
    step = f"bench {name} at {threads} thread(s)"
    out, _, _ = run(step, cmd, 120 + runs * 2.0)
    data = last_json_line(step, cmd, out)
    if data.get("threads") != threads or "median_ms" not in data:
        raise StepError(step, f"unexpected JSON {data}", cmd, out)
    return data


def bench_torch(weights, threads, runs, warmup):
    cmd = worker_cmd("torch-bench", "--weights", weights, "--input", INPUT,
                     "--threads", threads, "--runs", runs, "--warmup", warmup)
    step = f"PyTorch at {threads} thread(s)"
    out, _, _ = run(step, cmd, 300 + (runs + warmup) * 2 * 4.0, env=torch_env(threads))
    data = last_json_line(step, cmd, out)
    if data.get("threads") != threads:
        raise StepError(step, f"torch runs {data.get('threads')} threads, asked {threads}", cmd, out)
    return {"eager": statistics.median(data["eager_ms"]), "frozen": statistics.median(data["frozen_ms"])}


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
    return name + (f" ({', '.join(extra)})" if extra else "")


def compiler_version():
    try:
        out = subprocess.run(["g++", "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()[0] if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def fmt_ms(v):
    return f"{v:.2f}"


def make_table(results, threads_list, gflop, peaks):
    head = ("| model | threads | median ms | trial spread | GFLOP/s | % of measured peak "
            "| ms / PyTorch-frozen ms |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    for t in threads_list:
        frozen = statistics.median(results[t]["frozen"])
        for key, label in VARIANTS:
            trials = results[t][key]
            ms = statistics.median(trials)
            spread = (max(trials) - min(trials)) / ms * 100 if len(trials) > 1 else None
            gflops = gflop / (ms / 1e3)
            peak = peaks.get(t)
            lines.append("| {} | {} | {} | {} | {:.1f} | {} | {:.2f} |".format(
                label, t, fmt_ms(ms), f"{spread:.0f}%" if spread is not None else "n/a (1 trial)",
                gflops, f"{100 * gflops / peak:.0f}%" if peak else "n/a", ms / frozen))
    return "\n".join(lines)


def main_bench(args):
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    threads_list = args.threads_list
    runs = args.runs if args.runs is not None else (10 if args.quick else 60)
    trials = args.trials if args.trials is not None else (1 if args.quick else 5)
    warmup = 3 if args.quick else 10
    if runs < MIN_RUNS and not args.quick:
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
    if cores and max(threads_list) > cores:
        log(f"warning: --threads-list {max(threads_list)} exceeds the {cores} cores: "
            "oversubscribed runs measure the scheduler, not the code")
    outdir = os.path.join(ROOT, "build", "bench")
    os.makedirs(outdir, exist_ok=True)

    resnetc = build_resnetc()
    gflop = gflop_per_run(resnetc)
    log(f"{gflop:.3f} GFLOP per run (resnetc check)")

    log("making the seed ResNet-18 weights with PyTorch (seed %d, randomized BatchNorm)" % SEED)
    paths, torch_info = make_weights(outdir)
    isa, conv_impls = onednn_isa(paths["weights"])

    log("compiling examples/resnet18.json (default and --exact)")
    projects = {"default": compile_model(resnetc, paths["weights"], outdir, "resnet18", False),
                "exact": compile_model(resnetc, paths["weights"], outdir, "resnet18_exact", True)}
    exes, build_seconds = {}, {}
    for key, name in (("default", "resnet18"), ("exact", "resnet18_exact")):
        log(f"building the generated {name} project (cmake --build -j2)")
        exes[key], build_seconds[key] = build_model(projects[key], name)
    build_line = (f"generated seed model build: {build_seconds['default']:.1f} s on {cores} cores "
                  f"(cmake --build -j2, fresh build directory; --exact model: "
                  f"{build_seconds['exact']:.1f} s)")
    print(build_line, flush=True)

    log("measuring the fp32 FMA peak (bench/fma_peak.cpp)")
    fma_data, peaks = fma_peak(outdir, threads_list, 3 if args.quick else 7, 100 if args.quick else 250)

    log("checking outputs against PyTorch and measuring peak RSS")
    checks = {}
    for key in ("default", "exact"):
        rel, rss = parity(f"parity {key}", exes[key], paths["eager"], outdir, key)
        checks[key] = (rel, rss)
        print(f"parity {VARIANTS[0 if key == 'default' else 1][1]}: max|diff|/max|torch| = "
              f"{rel:.2e}; peak RSS {rss:.1f} MiB (1 run, 1 thread)", flush=True)
    _, rss_floor = peak_rss_mib("RSS floor", ["/bin/true"], STEP_TIMEOUT)
    log(f"peak RSS measurement floor (the helper that spawns the binary): {rss_floor:.1f} MiB")
    import numpy as np
    e, f = np.load(paths["eager"]).astype(np.float64), np.load(paths["frozen"]).astype(np.float64)
    frozen_vs_eager = float(np.max(np.abs(e - f))) / (float(np.max(np.abs(e))) or 1.0)
    print(f"parity PyTorch frozen+optimized vs eager: {frozen_vs_eager:.2e}", flush=True)
    bad = [k for k, (rel, _) in checks.items() if not rel <= MAX_PARITY_ERROR]
    if bad:
        raise StepError("parity", f"relative error above {MAX_PARITY_ERROR:g} for "
                                  f"{', '.join(bad)}: the generated code is wrong, not benchmarking")

    # Timing: each trial runs every variant once, in a rotating order, so that slow drifts of the
    # machine spread over all of them; the table shows the median of the per-trial medians.
    results = {t: {key: [] for key, _ in VARIANTS} for t in threads_list}
    json_gflops = []
    for t in threads_list:
        for trial in range(trials):
            order = ["default", "exact", "torch"]
            order = order[trial % 3:] + order[:trial % 3]
            for what in order:
                if what == "torch":
                    medians = bench_torch(paths["weights"], t, runs, warmup)
                    for key in ("eager", "frozen"):
                        results[t][key].append(medians[key])
                else:
                    data = bench_binary(exes[what], what, t, runs)
                    results[t][what].append(data["median_ms"])
                    json_gflops.append(data["gflops"] * data["median_ms"] / 1e3)
            log(f"threads {t}, trial {trial + 1}/{trials}: " + ", ".join(
                f"{key} {results[t][key][-1]:.2f} ms" for key, _ in VARIANTS))
    if json_gflops and abs(statistics.median(json_gflops) - gflop) > 0.01 * gflop:
        log(f"warning: the binary counts {statistics.median(json_gflops):.3f} GFLOP per run, "
            f"resnetc check {gflop:.3f}; the table uses resnetc check's")

    load_end = os.getloadavg()
    table = make_table(results, threads_list, gflop, peaks)
    shares = {r["threads"]: r["cpu_share"] for r in fma_data["results"]}
    peak_text = ", ".join(f"{t} thread{'s' if t > 1 else ''} {peaks[t]:.1f} GFLOP/s "
                          f"(CPU share {shares[t]:.2f})" for t in threads_list)
    mode = "--quick smoke run: too few runs to quote" if args.quick else "full run"
    machine = [
        f"- Run: {started.strftime('%Y-%m-%d %H:%M UTC')}, "
        f"`{' '.join(['tools/bench.py'] + [shlex.quote(a) for a in sys.argv[1:]])}` ({mode}); "
        f"{runs} timed runs per "
        f"measurement, {trials} trial(s) per variant and thread count, alternating",
        f"- CPU: {cpu_model()}; {cores} logical cores"
        + (f", {len(os.sched_getaffinity(0))} usable" if hasattr(os, "sched_getaffinity") else ""),
        f"- Load average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f}"
        + ("" if max(load_start[0], load_end[0]) <= 0.5 else
           " - NOT a quiet machine: these numbers are noisy"),
        f"- Measured fp32 FMA peak ({fma_data['isa']}, {fma_data['accumulators']} accumulators, "
        f"bench/fma_peak.cpp): {peak_text}",
        f"- Work: {gflop:.3f} GFLOP per run (`resnetc check`: 2 x MACs of the direct algorithm), "
        "input 1x1x224x224, examples/sample_224.npy",
        f"- resnetc: generated code built with {compiler_version()}, -O3 -march=native, Release; "
        f"{build_line}",
        f"- Parity vs PyTorch eager (max|diff|/max|torch|): default {checks['default'][0]:.2e}, "
        f"--exact {checks['exact'][0]:.2e}; PyTorch frozen vs eager {frozen_vs_eager:.2e}",
        f"- Peak RSS of the generated binary (1 run, 1 thread): default "
        f"{checks['default'][1]:.1f} MiB, --exact {checks['exact'][1]:.1f} MiB (measurement "
        f"floor {rss_floor:.1f} MiB)",
        f"- PyTorch {torch_info['torch']}, oneDNN {torch_info['onednn'] or 'unknown'} "
        f"(mkldnn available: {torch_info['mkldnn_available']}), ATen CPU capability "
        f"{torch_info['aten_cpu_capability'] or 'unknown'}; oneDNN ISA: {isa or 'unknown'}; "
        f"oneDNN convolutions: {', '.join(conv_impls) or 'unknown'}; frozen graph uses MKLDNN "
        f"ops: {torch_info['frozen_uses_mkldnn']}",
        f"- Python {platform.python_version()}, Linux {platform.release()}",
    ]
    block = table + "\n\n" + "\n".join(machine) + "\n"
    print()
    print(block, flush=True)
    if args.markdown:
        with open(args.markdown, "a") as f:
            title = started.strftime("%Y-%m-%d") + (" (--quick, not for quoting)" if args.quick else "")
            f.write(f"\n### {title}\n\n{block}")
        log(f"appended the table to {args.markdown}")
    return 0


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
                        help=f"timed runs per measurement after warm-up (default 60, at least "
                             f"{MIN_RUNS}; 10 with --quick)")
    parser.add_argument("--trials", type=positive_int, metavar="K",
                        help="measurements per variant and thread count, alternating between "
                             "variants; the table takes their median (default 5; 1 with --quick)")
    parser.add_argument("--threads-list", type=thread_list, default=[1, 2], metavar="T,T,...",
                        help="thread counts to measure (default 1,2)")
    parser.add_argument("--markdown", metavar="FILE",
                        help="append the table and the machine block to FILE")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: few runs and trials; the numbers are not for quoting")
    return parser


def build_worker_parser():
    """The internal command line of the PyTorch subprocesses: bench.py --worker NAME ..."""
    parser = argparse.ArgumentParser(prog="bench.py --worker", allow_abbrev=False)
    parser.add_argument("--worker", choices=sorted(WORKERS), required=True)
    for name, kind in (("--seed", int), ("--threads", int), ("--runs", int), ("--warmup", int),
                       ("--input", str), ("--weights", str), ("--weights-out", str),
                       ("--eager-out", str), ("--frozen-out", str)):
        parser.add_argument(name, type=kind)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        args = build_worker_parser().parse_args(argv)
        WORKERS[args.worker](args)
        return 0
    args = build_parser().parse_args(argv)
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
