"""The int8 part of tools/bench.py: the images (calibration, SQNR), PyTorch's int8 model (built by
tools/torch_int8.py, saved as TorchScript, timed frozen), the output SQNR against fp32 and the
int8 summary table with issue 12's goals.

The driver side (everything but the *_torch functions) needs only numpy; the *_torch functions run
in bench.py's PyTorch workers.
"""

import math
import time

CALIBRATION_IMAGES = 32       # the same images calibrate resnetc and PyTorch
SQNR_IMAGES = 4               # inputs of the SQNR against fp32 (not calibration images)
CALIBRATION_IMAGE_SEED = 1    # np.random.default_rng seeds of the generated images
SQNR_IMAGE_SEED = 2
INPUT_IMAGE_SEED = 3
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
MIN_SQNR_DB = 15.0            # below this the int8 output is suspect (a warning, not an error)

# Issue 12 item 6: (label, numerator, denominator, goal, comparison, networks the goal holds for).
RATIOS = [("resnetc int8 / PyTorch int8", "int8", "torch_int8", 1.0, "<", ("seed", "resnet50")),
          ("resnetc int8 / PyTorch fp32 frozen", "int8", "frozen", 0.3, "<=", ("seed",))]


# ------------------------------------------------------------------ images and SQNR (driver)

def make_images(path, count, shape, seed, imagenet):
    """`count` float32 images [count, C, H, W] uniform in [0, 1), normalized with ImageNet's mean
    and std when `imagenet` (3 channels: what a torchvision model expects), saved to `path`."""
    import numpy as np
    x = np.random.default_rng(seed).random((count, *shape), dtype=np.float32)
    if imagenet:
        mean = np.array(IMAGENET_MEAN, np.float32).reshape(1, 3, 1, 1)
        std = np.array(IMAGENET_STD, np.float32).reshape(1, 3, 1, 1)
        x = ((x - mean) / std).astype(np.float32)
    np.save(path, x)
    return path


def sqnr_db(y, reference):
    """10 log10(sum ref^2 / sum (y - ref)^2) over all outputs of all images; inf when equal."""
    import numpy as np
    y, reference = np.asarray(y, np.float64), np.asarray(reference, np.float64)
    noise = float(np.sum((y - reference) ** 2))
    signal = float(np.sum(reference ** 2))
    return math.inf if noise == 0 else 10 * math.log10(signal / noise)


def vnni_text(flags):
    """Which int8 dot-product instructions the CPU has (the /proc/cpuinfo flags)."""
    found = [f for f in ("avx512_vnni", "avx_vnni") if f in flags]
    return ", ".join(found) if found else "no VNNI (int8 dot products with vpmaddubsw on 7-bit weights)"


# ------------------------------------------------------------------ PyTorch int8 (workers)

def quantize_to_file_torch(torch, net, calibration_path, out_path):
    """PyTorch's FX int8 model of `net` (tools/torch_int8.quantize: onednn engine, default qconfig,
    the calibration images in one batch), scripted and saved to `out_path`. Returns (engine,
    seconds of the quantization)."""
    import numpy as np
    import torch_int8
    calibration = torch.from_numpy(np.load(calibration_path))
    start = time.perf_counter()
    quantized, engine = torch_int8.quantize(net, calibration)
    seconds = time.perf_counter() - start
    torch.jit.save(torch.jit.script(quantized), out_path)
    return engine, seconds


def load_int8_torch(torch, path):
    """The saved int8 model, frozen (TorchScript, packed weights repacked for the engine that
    torch_int8.pick_engine sets)."""
    import torch_int8
    torch_int8.pick_engine()
    return torch.jit.freeze(torch.jit.load(path).eval())


# ------------------------------------------------------------------ the summary (driver)

def _ratio_cell(value, goal, comparison, applies):
    if value is None:
        return "-"
    if not applies:
        return f"{value:.2f}"
    met = value < goal if comparison == "<" else value <= goal
    return f"{value:.2f} ({'met' if met else 'MISSED'})"


def goal_ratios(medians):
    """[(label, value or None, goal, comparison)] of RATIOS from {variant: median ms}."""
    out = []
    for label, num, den, goal, comparison, _ in RATIOS:
        value = medians[num] / medians[den] if num in medians and den in medians else None
        out.append((label, value, goal, comparison))
    return out


def summary_table(rows, fmt_ms):
    """rows: (network key, network label, threads, {variant: median ms}). One line per network and
    thread count: the four timings and the goal ratios."""
    cols = [("resnetc fp32", "default"), ("PyTorch fp32 frozen", "frozen"), ("resnetc int8", "int8"),
            ("PyTorch int8", "torch_int8")]
    head = "| network | threads | " + " | ".join(f"{c} ms" for c, _ in cols) + " | " + " | ".join(
        f"{label} (goal {cmp} {goal})" for label, _, _, goal, cmp, _ in RATIOS) + " |"
    lines = [head, "|---|---:|" + "---:|" * (len(cols) + len(RATIOS))]
    for key, label, threads, medians in rows:
        times = [fmt_ms(medians[v]) if v in medians else "-" for _, v in cols]
        ratios = [_ratio_cell(value, goal, cmp, key in spec[5])
                  for (_, value, goal, cmp), spec in zip(goal_ratios(medians), RATIOS)]
        lines.append(f"| {label} | {threads} | " + " | ".join(times + ratios) + " |")
    return "\n".join(lines)


def goals_note():
    return ("Goals (issue 12 item 6), at 1 and 2 threads: " + "; ".join(
        f"{label} {cmp} {goal} on {' and '.join(nets)}" for label, _, _, goal, cmp, nets in RATIOS)
        + ". MISSED marks a goal not met.")
