#!/usr/bin/python3
"""What the example trainers share (train_digits.py, train_fashion.py): the spec of a narrow seed
network (seed_model.build_seed_net) in examples/resnet18.json's layout, the training loop (Adam,
cosine decay, seeded augmentation) and the evaluation helpers. Not a command."""

import json
import time

import numpy as np

import torch
from torch.nn import functional as F

EVAL_BATCH = 1000   # bounds the activations' memory when evaluating thousands of images


def spec_text(name, arch, image_size):
    """The spec of build_seed_net(**arch) with a square input of image_size, in the layout of
    examples/resnet18.json: one layer or stage per line."""
    widths = arch["widths"]
    stem = [{"op": "conv2d", "weights": "0.0", "out_channels": widths[0], "kernel": 7,
             "stride": 2, "padding": 3},
            {"op": "batchnorm2d", "weights": "0.1"}, {"op": "relu"},
            {"op": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1}]
    head = [{"op": "global_avgpool"}, {"op": "flatten"},
            {"op": "linear", "weights": str(len(widths) + 3), "out_features": arch["num_classes"]}]

    def compact(value):
        return json.dumps(value, separators=(", ", ": "))

    def layers_stage(stage_name, layers):
        rows = ",\n".join(f"      {compact(layer)}" for layer in layers)
        return f'    {{"name": "{stage_name}", "layers": [\n{rows}\n    ]}}'

    stages = [layers_stage("b1", stem)]
    for i, (width, residuals) in enumerate(zip(widths, arch["residuals"])):
        stage = {"name": f"b{i + 2}", "op": "resnet_block", "weights": str(i + 1),
                 "out_channels": width, "num_residuals": residuals}
        if i == 0:
            stage["first_block"] = True
        stages.append(f"    {compact(stage)}")
    stages.append(layers_stage("head", head))
    shape = [1, arch["in_channels"], image_size, image_size]
    return ('{\n  "name": "' + name + '",\n  "input": {"shape": ' + compact(shape) + '},\n'
            '  "stages": [\n' + ",\n".join(stages) + "\n  ]\n}\n")


def random_shift(x, max_shift, generator):
    """Each image translated by up to max_shift pixels (zero fill): keeps the net from relying
    on exact positions."""
    height, width = x.shape[-2:]
    padded = F.pad(x, [max_shift] * 4)
    shifts = torch.randint(0, 2 * max_shift + 1, (x.shape[0], 2), generator=generator)
    return torch.stack([padded[i, :, dy:dy + height, dx:dx + width]
                        for i, (dy, dx) in enumerate(shifts.tolist())])


def random_flip(x, generator):
    """Each image mirrored left-right with probability 1/2."""
    flip = torch.rand(x.shape[0], generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def train(net, x, y, epochs, batch, learning_rate, max_shift, flip=False, seed=0):
    """Adam with a cosine learning-rate decay per epoch; every random draw (order, shifts,
    flips) comes from one generator seeded with `seed`."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    net.train()
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(y), generator=generator)
        total = 0.0
        for first in range(0, len(y), batch):
            chosen = order[first:first + batch]
            inputs = random_shift(x[chosen], max_shift, generator)
            if flip:
                inputs = random_flip(inputs, generator)
            loss = F.cross_entropy(net(inputs), y[chosen])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(chosen)
        schedule.step()
        print(f"epoch {epoch + 1:2d}/{epochs}: loss {total / len(y):.4f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    return net.eval()


def logits_of(net, x):
    """The network's output in eval mode, EVAL_BATCH images at a time."""
    net.eval()
    with torch.no_grad():
        return torch.cat([net(x[i:i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)])


def accuracy(logits, labels):
    return float((logits.argmax(1) == torch.as_tensor(labels)).double().mean())


def pgm_bytes(pixels):
    """Binary PGM (P5, maxval 255) of a 2-D uint8 array."""
    height, width = pixels.shape
    return f"P5\n{width} {height}\n255\n".encode("ascii") + np.ascontiguousarray(pixels).tobytes()


def lines_bytes(items):
    """One item per line, UTF-8."""
    return "".join(f"{item}\n" for item in items).encode("utf-8")
