#!/usr/bin/python3
"""Tests of tools/torch_export.py's torch.fx exporter (the numeric parity of exported models with
PyTorch is checked by the export_* ctest tests, which compile and run them).

Run: RESNETC=build/resnetc /usr/bin/python3 tests/export/test_torch_export.py
Without RESNETC the tests that need the resnetc binary are skipped."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
import torchvision
from torch import nn
from torch.nn import functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import seed_model  # noqa: E402
import torch_export  # noqa: E402

RESNETC = os.environ.get("RESNETC")
EXAMPLES = os.path.join(ROOT, "examples", "torchvision")


def run_export_cli(*args):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "torch_export.py"),
                           "export", *args], capture_output=True, text=True)


def run_resnetc(*args):
    r = subprocess.run([RESNETC, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"resnetc {' '.join(args)} failed:\n{r.stderr}")
    return r.stdout


class Block(nn.Module):
    """A residual block with a configurable inner module, for the error tests."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return F.relu(self.inner(x) + x)


class Net(nn.Module):
    def __init__(self, inner=None, head=None):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.body = Block(inner if inner is not None else nn.Conv2d(4, 4, 3, padding=1))
        self.head = head if head is not None else nn.Flatten()

    def forward(self, x):
        return self.head(self.body(self.stem(x)))


class ViewHead(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class SigmoidHead(nn.Module):
    def forward(self, x):
        return torch.sigmoid(x)


class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        return self.conv(self.conv(x))


class TwoInputs(nn.Module):
    def forward(self, x, y):
        return x + y


class UnsupportedTest(unittest.TestCase):
    """Each unsupported construct fails with ExportError naming the module and the construct,
    and writes nothing."""

    def assert_export_error(self, model, *pieces, shape=(1, 3, 8, 8)):
        with tempfile.TemporaryDirectory() as d:
            spec, weights = os.path.join(d, "net.json"), os.path.join(d, "net.safetensors")
            with self.assertRaises(torch_export.ExportError) as caught:
                torch_export.export(model, torch.zeros(shape), spec, weights)
            self.assertEqual(os.listdir(d), [])
        for piece in pieces:
            self.assertIn(piece, str(caught.exception))

    def test_dilated_conv(self):
        self.assert_export_error(Net(inner=nn.Conv2d(4, 4, 3, padding=2, dilation=2)),
                                 "body.inner (Conv2d): dilation=(2, 2) (dilated convolution)")

    def test_rectangular_kernel(self):
        self.assert_export_error(Net(inner=nn.Conv2d(4, 4, (3, 1), padding=(1, 0))),
                                 "body.inner (Conv2d): kernel_size=(3, 1)")

    def test_sigmoid_module(self):
        self.assert_export_error(Net(head=nn.Sigmoid()),
                                 "head (Sigmoid): module type Sigmoid is not supported",
                                 "supported: Conv2d, BatchNorm2d")

    def test_sigmoid_function(self):
        self.assert_export_error(Net(head=SigmoidHead()),
                                 "head (SigmoidHead): function torch.sigmoid is not supported")

    def test_unknown_method(self):
        self.assert_export_error(Net(head=ViewHead()),
                                 "head (ViewHead): tensor method .size() is not supported")

    def test_maxpool_ceil_mode(self):
        self.assert_export_error(Net(head=nn.MaxPool2d(2, ceil_mode=True)),
                                 "head (MaxPool2d): ceil_mode=True is not supported")

    def test_adaptive_pool_to_2x2(self):
        self.assert_export_error(Net(head=nn.AdaptiveAvgPool2d(2)),
                                 "head (AdaptiveAvgPool2d): output_size=2")

    def test_module_with_weights_called_twice(self):
        self.assert_export_error(Twice(), "conv (Conv2d): calling a module with weights twice is not supported "
                                 "by resnetc "
                                 "(first call: layer 'conv'",
                                 shape=(1, 4, 8, 8))

    def test_two_inputs(self):
        self.assert_export_error(TwoInputs(), "forward takes a second input 'y'")

    def test_batchnorm_without_running_stats(self):
        self.assert_export_error(Net(inner=nn.BatchNorm2d(4, track_running_stats=False)),
                                 "body.inner (BatchNorm2d): affine=True, track_running_stats=False")

    def test_input_shape_not_4d(self):
        self.assert_export_error(Net(), "example input has shape [3, 8, 8]", shape=(3, 8, 8))

    def test_failed_export_keeps_existing_files(self):
        with tempfile.TemporaryDirectory() as d:
            spec, weights = os.path.join(d, "net.json"), os.path.join(d, "net.safetensors")
            for path in (spec, weights):
                with open(path, "w") as f:
                    f.write("old")
            with self.assertRaises(torch_export.ExportError):
                torch_export.export(Net(head=nn.Sigmoid()), torch.zeros(1, 3, 8, 8), spec, weights)
            for path in (spec, weights):
                with open(path) as f:
                    self.assertEqual(f.read(), "old")
            with self.assertRaises(torch_export.ExportError):  # a missing directory: nothing written
                torch_export.export(Net(), torch.zeros(1, 3, 8, 8), os.path.join(d, "no", "s.json"), weights)
            with open(weights) as f:
                self.assertEqual(f.read(), "old")

    def test_cli_exits_1_with_the_message(self):
        with tempfile.TemporaryDirectory() as d:
            model = os.path.join(d, "model.pt")
            torch.save(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Sigmoid()), model)
            r = run_export_cli(model, "--input-shape", "1,3,8,8", "--spec", os.path.join(d, "s.json"),
                               "--weights", os.path.join(d, "w.safetensors"))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("torch_export.py: error: 1 (Sigmoid): module type Sigmoid is not supported",
                          r.stderr)
            self.assertEqual(sorted(os.listdir(d)), ["model.pt"])


class ExportTest(unittest.TestCase):
    def export(self, model, shape, directory, name="net"):
        spec_path = os.path.join(directory, name + ".json")
        weights_path = os.path.join(directory, name + ".safetensors")
        spec = torch_export.export(model, torch.zeros(shape), spec_path, weights_path)
        with open(spec_path) as f:
            self.assertEqual(json.load(f), spec)
        return spec, spec_path, weights_path

    def test_seed_names_are_module_qualnames_and_weights_the_state_dict(self):
        net = seed_model.build_randomized_seed_net(2, widths=(4, 8, 8, 8), residuals=(1, 1, 1, 1),
                                                   num_classes=3)
        with tempfile.TemporaryDirectory() as d:
            spec, _, weights_path = self.export(net, (1, 1, 32, 32), d, "seed")
            weights = torch_export.load_safetensors(weights_path)
        self.assertEqual(sorted(weights), sorted(net.state_dict()))
        for name, tensor in net.state_dict().items():
            self.assertTrue(torch.equal(weights[name], tensor), name)
        layers = {layer["name"]: layer for stage in spec["stages"] for layer in stage["layers"]}
        self.assertEqual([s["name"] for s in spec["stages"]], ["s0", "s1", "s2", "s3", "s4", "head"])
        self.assertEqual(layers["2.0.conv3"], {"name": "2.0.conv3", "op": "conv2d", "inputs": "1.0.relu_1",
                                               "weights": "2.0.conv3", "out_channels": 8, "kernel": 1,
                                               "stride": 2})
        self.assertEqual(layers["2.0.add"]["inputs"], ["2.0.bn2", "2.0.conv3"])
        self.assertEqual(layers["7"], {"name": "7", "op": "linear", "weights": "7", "out_features": 3})
        self.assertEqual(spec["input"], {"shape": [1, 1, 32, 32]})

    def test_training_mode_is_restored(self):
        net = Net().train()
        with tempfile.TemporaryDirectory() as d:
            self.export(net, (1, 3, 8, 8), d)
        self.assertTrue(net.training)

    def test_output_other_than_the_last_layer(self):
        class EarlyOut(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(3, 4, 1)
                self.b = nn.ReLU()

            def forward(self, x):
                y = self.a(x)
                self.b(y)
                return y
        with tempfile.TemporaryDirectory() as d:
            spec, _, _ = self.export(EarlyOut(), (1, 3, 4, 4), d)
        self.assertEqual(spec["output"], "a")

    def assert_example_network(self, name, size):
        """The traced torchvision model `name` and the hand-written macro spec
        examples/torchvision/NAME.json are one network: the same parameters, MACs and shapes, and
        with the same random weights (drawn per tensor name) the reference interpreter gives
        bit-identical outputs."""
        torch.manual_seed(0)
        net = getattr(torchvision.models, name)(weights=None)
        shape, example = f"1,3,{size},{size}", os.path.join(EXAMPLES, name + ".json")
        with tempfile.TemporaryDirectory() as d:
            _, spec_path, _ = self.export(net, (1, 3, size, size), d, name)
            checks = [run_resnetc("check", path, "--input-shape", shape) for path in (spec_path, example)]
            for prefix in (f"network {name}: input", "total:", "packed weights:"):
                lines = [[line for line in text.splitlines() if line.startswith(prefix)] for text in checks]
                self.assertEqual(len(lines[0]), 1, prefix)
                self.assertEqual(lines[0], lines[1], prefix)
            x = os.path.join(d, "x.npy")
            np.save(x, np.random.default_rng(1).random((1, 3, size, size), dtype=np.float32))
            outputs = []
            for i, path in enumerate((spec_path, example)):
                out = os.path.join(d, f"y{i}.npy")
                run_resnetc("run", path, "--random-weights", "5", "--input-shape", shape, "--input", x,
                            "--output", out)
                outputs.append(np.load(out))
        self.assertEqual(outputs[0].shape, (1, 1000))
        self.assertTrue(np.array_equal(outputs[0], outputs[1]))

    @unittest.skipUnless(RESNETC, "set RESNETC to the resnetc binary")
    def test_torchvision_resnet18_is_the_example_network(self):
        self.assert_example_network("resnet18", 64)

    @unittest.skipUnless(RESNETC, "set RESNETC to the resnetc binary")
    def test_torchvision_resnext50_32x4d_is_the_example_network(self):
        self.assert_example_network("resnext50_32x4d", 32)

    @unittest.skipUnless(RESNETC, "set RESNETC to the resnetc binary")
    def test_torchvision_wide_resnet50_2_is_the_example_network(self):
        self.assert_example_network("wide_resnet50_2", 32)

    def test_grouped_conv_exports_its_groups(self):
        net = Net(inner=nn.Sequential(nn.Conv2d(4, 8, 3, padding=1, groups=2), nn.ReLU(),
                                      nn.Conv2d(8, 4, 1, groups=4, bias=False)))
        with tempfile.TemporaryDirectory() as d:
            spec, _, _ = self.export(net, (1, 3, 8, 8), d)
        layers = {layer["name"]: layer for stage in spec["stages"] for layer in stage["layers"]}
        self.assertEqual(layers["body.inner.0"]["groups"], 2)
        self.assertEqual(layers["body.inner.2"]["groups"], 4)
        self.assertNotIn("groups", layers["stem"])

    @unittest.skipUnless(RESNETC, "set RESNETC to the resnetc binary")
    def test_grouped_convs_run_like_pytorch(self):
        """Groups of 1, 2, 4 and 8 channels, depthwise, a grouped stride-2 conv, a grouped 1x1: the
        exported spec run by resnetc's reference interpreter gives PyTorch's output."""
        torch.manual_seed(3)
        net = nn.Sequential(nn.Conv2d(3, 24, 3, padding=1, groups=3), nn.ReLU(),
                            nn.Conv2d(24, 32, 3, stride=2, padding=1, groups=4, bias=False), nn.BatchNorm2d(32),
                            nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.ReLU(),
                            nn.Conv2d(32, 64, 1, groups=8), nn.Conv2d(64, 64, 3, padding=1, groups=16),
                            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 5))
        seed_model.randomize_batchnorm(net, torch.Generator().manual_seed(3))
        net.eval()
        x = torch.rand(2, 3, 13, 11, generator=torch.Generator().manual_seed(4))
        with tempfile.TemporaryDirectory() as d:
            _, spec_path, weights_path = self.export(net, tuple(x.shape), d)
            self.assert_runs_like_pytorch(net, x, spec_path, weights_path, d)

    @unittest.skipUnless(RESNETC, "set RESNETC to the resnetc binary")
    def test_cli_export_runs_like_pytorch(self):
        """The CLI's bottleneck ResNet with 2 channels and 7 classes, run by resnetc's reference
        interpreter, gives PyTorch's output."""
        net = seed_model.build_randomized_model("resnet50", 4, 2, num_classes=7)
        x = torch.rand(1, 2, 40, 40, generator=torch.Generator().manual_seed(2))
        with tempfile.TemporaryDirectory() as d:
            spec, weights = os.path.join(d, "r50.json"), os.path.join(d, "r50.safetensors")
            r = run_export_cli("resnet50", "--seed", "4", "--channels", "2", "--classes", "7",
                               "--input-shape", "1,2,40,40", "--spec", spec, "--weights", weights)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_runs_like_pytorch(net, x, spec, weights, d)

    def assert_runs_like_pytorch(self, net, x, spec, weights, directory):
        """resnetc's reference interpreter on `spec` and `weights` gives net(x) within 1e-5."""
        with torch.no_grad():
            expected = net(x).numpy()
        x_path, y_path = os.path.join(directory, "x.npy"), os.path.join(directory, "y.npy")
        np.save(x_path, x.numpy())
        run_resnetc("run", spec, "--weights", weights, "--input", x_path, "--output", y_path)
        got = np.load(y_path)
        self.assertEqual(got.shape, expected.shape)
        self.assertLessEqual(np.abs(got - expected).max(), 1e-5 * np.abs(expected).max())

if __name__ == "__main__":
    unittest.main()
