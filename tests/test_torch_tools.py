#!/usr/bin/python3
"""Self-check of the PyTorch-side tools (tools/*.py) and of the committed
fixture. Run: /usr/bin/python3 tests/test_torch_tools.py (exit 1 on failure)."""

import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
sys.path.insert(0, TOOLS)

import seed_model  # noqa: E402
import torch_export  # noqa: E402

NARROW = os.path.join(ROOT, "tests", "fixtures", "seed_narrow")
TINY_FIXTURE_ARGS = ["--seed", "3", "--batch", "1", "--channels", "2", "--height", "24",
                     "--width", "20", "--widths", "2,4,4,8", "--residuals", "1,2,1,1",
                     "--classes", "3"]


def run_tool(script, *args):
    """Run a tools/ CLI with this interpreter; returns CompletedProcess."""
    return subprocess.run([sys.executable, os.path.join(TOOLS, script), *args],
                          capture_output=True, text=True)


def expected_key_count(widths, residuals):
    """state_dict size recomputed from the structure: conv = weight+bias,
    BN = weight, bias, running_mean, running_var, num_batches_tracked."""
    conv, bn = 2, 5
    stem = conv + bn
    plain_residual = 2 * conv + 2 * bn
    stages = sum(r * plain_residual for r in residuals) + (len(widths) - 1) * conv  # conv3s
    return stem + stages + 2  # + Linear weight, bias


class SafetensorsTest(unittest.TestCase):
    def sample_tensors(self):
        g = torch.Generator().manual_seed(0)
        return {
            "f32": torch.randn(3, 4, generator=g),
            "f32_noncontig": torch.randn(4, 3, generator=g).t(),
            "f16": torch.randn(5, generator=g).half(),
            "bf16": torch.randn(2, 3, generator=g).bfloat16(),
            "f64": torch.randn(2, 2, 2, generator=g).double(),
            "i64": torch.tensor([-(2 ** 40), 0, 7], dtype=torch.int64),
            "i32": torch.tensor([[-5, 6]], dtype=torch.int32),
            "u8": torch.tensor([0, 255, 3], dtype=torch.uint8),
            "scalar_f32": torch.tensor(1.5),
            "scalar_i64": torch.tensor(42),
            "scalar_bf16": torch.tensor(-2.0, dtype=torch.bfloat16),
            "empty_f32": torch.zeros(0),
            "empty_u8": torch.zeros(0, dtype=torch.uint8),
            "empty_i64_2d": torch.zeros(3, 0, dtype=torch.int64),
        }

    def test_round_trip_every_dtype_and_shape(self):
        tensors = self.sample_tensors()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.safetensors")
            torch_export.save_safetensors(tensors, path, metadata={"k": "v"})
            back = torch_export.load_safetensors(path)
        self.assertEqual(sorted(back), sorted(tensors))
        for name, t in tensors.items():
            self.assertEqual(back[name].dtype, t.dtype, name)
            self.assertEqual(back[name].shape, t.shape, name)
            self.assertTrue(torch.equal(back[name], t), name)

    def test_header_well_formed_aligned_and_deterministic(self):
        tensors = self.sample_tensors()
        blob = torch_export.safetensors_bytes(tensors, metadata={"format": "pt"})
        self.assertEqual(blob, torch_export.safetensors_bytes(dict(reversed(tensors.items())),
                                                              metadata={"format": "pt"}))
        (n,) = struct.unpack("<Q", blob[:8])
        self.assertEqual((8 + n) % 8, 0)
        text = blob[8:8 + n].decode("utf-8")
        header = json.loads(text)
        self.assertTrue(text.rstrip(" ").endswith("}"))  # only spaces pad the JSON
        self.assertLess(len(text) - len(text.rstrip(" ")), 8)
        self.assertEqual(header.pop("__metadata__"), {"format": "pt"})
        names = [k for k in json.loads(text) if k != "__metadata__"]
        self.assertEqual(names, sorted(names))  # header keys sorted
        # Data section fully covered, no gaps or overlaps, each tensor aligned.
        spans = sorted(tuple(v["data_offsets"]) for v in header.values())
        self.assertEqual(spans[0][0], 0)
        for (_, end), (begin, _) in zip(spans, spans[1:]):
            self.assertEqual(end, begin)
        self.assertEqual(spans[-1][1], len(blob) - 8 - n)
        for name, info in header.items():
            itemsize = torch_export.DTYPES[info["dtype"]][1].itemsize
            self.assertEqual(info["data_offsets"][0] % itemsize, 0, name)

    def test_rejects_bad_contents(self):
        for bad in ({"x": [1.0]}, {"x": torch.zeros(2, dtype=torch.bool)},
                    {"__metadata__": torch.zeros(1)}):
            with self.assertRaises(torch_export.ExportError):
                torch_export.safetensors_bytes(bad)


class SeedModelTest(unittest.TestCase):
    def test_notebook_shapes(self):
        torch.set_num_threads(1)
        net = seed_model.build_seed_net().eval()
        x = torch.rand(1, 1, 224, 224)
        shapes = []
        with torch.no_grad():
            for i, layer in enumerate(net):
                x = layer(x)
                if i in (0, 1, 2, 3, 4, 7):  # the five stages and the Linear
                    shapes.append(list(x.shape))
        self.assertEqual(shapes, [[1, 64, 56, 56], [1, 64, 56, 56], [1, 128, 28, 28],
                                  [1, 256, 14, 14], [1, 512, 7, 7], [1, 10]])

    def test_state_dict_keys(self):
        keys = list(seed_model.build_seed_net().state_dict())
        self.assertEqual(len(keys), 127)
        self.assertEqual(len(keys), expected_key_count((64, 128, 256, 512), (2, 2, 2, 2)))
        for key in ("0.0.weight", "0.1.running_mean", "1.0.conv1.weight",
                    "2.0.conv3.weight", "7.weight", "7.bias"):
            self.assertIn(key, keys)
        self.assertNotIn("1.0.conv3.weight", keys)  # first stage keeps its width
        narrow = seed_model.build_seed_net(2, (2, 4, 4, 8), (1, 2, 1, 1), 3).state_dict()
        self.assertEqual(len(narrow), expected_key_count((2, 4, 4, 8), (1, 2, 1, 1)))

    def test_randomized_batchnorm_is_not_identity(self):
        net = seed_model.build_randomized_seed_net(1)
        bn = net[0][1]
        self.assertTrue(((bn.weight >= 0.5) & (bn.weight <= 1.5)).all())
        self.assertTrue(((bn.running_var >= 0.5) & (bn.running_var <= 2.0)).all())
        self.assertGreater(bn.running_mean.abs().sum().item(), 0)
        self.assertFalse(net.training)


class CliTest(unittest.TestCase):
    def test_fixture_deterministic(self):
        with tempfile.TemporaryDirectory() as d:
            dirs = [os.path.join(d, "a"), os.path.join(d, "b")]
            for out in dirs:
                r = run_tool("make_torch_fixture.py", "--out", out, *TINY_FIXTURE_ARGS)
                self.assertEqual(r.returncode, 0, r.stderr)
            for name in ("weights.safetensors", "input.npy", "output.npy", "info.json"):
                with open(os.path.join(dirs[0], name), "rb") as a, \
                        open(os.path.join(dirs[1], name), "rb") as b:
                    self.assertEqual(a.read(), b.read(), name)

    def test_state_dict_cli(self):
        net = seed_model.build_seed_net(1, (2, 2, 2, 2), (1, 1, 1, 1), 2)
        with tempfile.TemporaryDirectory() as d:
            for label, obj in (("sd", net.state_dict()), ("module", net)):
                src, dst = os.path.join(d, label + ".pt"), os.path.join(d, label + ".st")
                torch.save(obj, src)
                r = run_tool("torch_export.py", "state-dict", src, dst)
                self.assertEqual(r.returncode, 0, r.stderr)
                back = torch_export.load_safetensors(dst)
                self.assertEqual(sorted(back), sorted(net.state_dict()))
            torch.save({"a": 1}, os.path.join(d, "bad.pt"))
            for missing_or_bad in ("missing.pt", "bad.pt"):
                r = run_tool("torch_export.py", "state-dict",
                             os.path.join(d, missing_or_bad), os.path.join(d, "x.st"))
                self.assertEqual(r.returncode, 1)
                self.assertIn("error:", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "x.st")))

    def test_seed_cli_matches_library(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "w.safetensors")
            r = run_tool("torch_export.py", "seed", out, "--seed", "5", "--widths", "2,4,4,8",
                         "--residuals", "1,1,1,1", "--classes", "3")
            self.assertEqual(r.returncode, 0, r.stderr)
            expected = seed_model.build_randomized_seed_net(
                5, widths=(2, 4, 4, 8), residuals=(1, 1, 1, 1), num_classes=3).state_dict()
            back = torch_export.load_safetensors(out)
            self.assertEqual(sorted(back), sorted(expected))
            for k, v in expected.items():
                self.assertTrue(torch.equal(back[k], v), k)


class CommittedFixtureTest(unittest.TestCase):
    """The committed seed_narrow files must be self-consistent: its weights and
    input reproduce its output (what resnetc will be checked against)."""

    def test_seed_narrow_reproduces(self):
        with open(os.path.join(NARROW, "info.json")) as f:
            info = json.load(f)
        net = seed_model.build_seed_net(info["input_shape"][1], info["widths"],
                                        info["residuals"], info["classes"])
        net.load_state_dict(torch_export.load_safetensors(
            os.path.join(NARROW, "weights.safetensors")))
        x = np.load(os.path.join(NARROW, "input.npy"))
        y = np.load(os.path.join(NARROW, "output.npy"))
        self.assertEqual((list(x.shape), list(y.shape)),
                         (info["input_shape"], info["output_shape"]))
        self.assertEqual((x.dtype, y.dtype), (np.float32, np.float32))
        with torch.no_grad():
            got = net.eval()(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(got, y, rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    unittest.main()
