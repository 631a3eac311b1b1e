#!/usr/bin/python3
"""Tests of tools/onnx_export.py (the numeric parity of the exports with PyTorch through resnetc is
checked by the onnx_* ctest tests, which compile and run them).

Run: /usr/bin/python3 tests/onnx_export/test_onnx_export.py"""

import os
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np
import onnx
from onnx import numpy_helper
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "onnx_export.py")
sys.path.insert(0, os.path.join(ROOT, "tools"))

import onnx_export  # noqa: E402
import seed_model  # noqa: E402

SHAPE = (1, 3, 32, 32)


def export(out, **kwargs):
    options = dict(shape=SHAPE, opsets=(13, 9), batchnorm=("folded", "kept"))
    options.update(kwargs)
    return onnx_export.export_all("resnet18", out, **options)


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "r18")
        cls.info = export(cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def load(self, variant):
        return onnx.load(os.path.join(self.out, f"resnet18_{variant}.onnx"))

    def test_batchnorm_folded_or_kept_at_each_opset(self):
        for opset in (13, 9):
            folded, kept = self.load(f"opset{opset}_folded"), self.load(f"opset{opset}_kept")
            for model in (folded, kept):
                self.assertEqual([(o.domain, o.version) for o in model.opset_import], [("", opset)])
            self.assertNotIn("BatchNormalization", onnx_export.op_types(folded))
            self.assertEqual(onnx_export.op_types(kept)["BatchNormalization"], 20)
            self.assertEqual(onnx_export.op_types(kept)["Conv"], 20)
            self.assertEqual(onnx_export.op_types(folded)["Conv"], 20)
            # Kept: the state_dict's BatchNorm tensors are initializers.
            names = {t.name for t in kept.graph.initializer}
            self.assertIn("layer1.0.bn1.running_var", names)

    def test_folded_weights_are_the_batchnorm_folding(self):
        net = onnx_export.build_model("resnet18", 0)
        model = self.load("opset13_folded")
        init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        conv = next(n for n in model.graph.node if n.op_type == "Conv")
        w, b = init[conv.input[1]], init[conv.input[2]]
        bn = net.bn1
        scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
        expected_w = (net.conv1.weight.detach() * scale.reshape(-1, 1, 1, 1)).numpy()
        expected_b = (bn.bias.detach() - bn.running_mean * scale).numpy()
        np.testing.assert_allclose(w, expected_w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b, expected_b, rtol=1e-5, atol=1e-6)

    def test_input_output_and_info(self):
        x, y = np.load(os.path.join(self.out, "input.npy")), np.load(os.path.join(self.out, "output.npy"))
        self.assertEqual((x.shape, x.dtype, y.shape, y.dtype), (SHAPE, np.float32, (1, 1000), np.float32))
        net = onnx_export.build_model("resnet18", 0)
        with torch.no_grad():
            np.testing.assert_array_equal(net(torch.from_numpy(x)).numpy(), y)
        self.assertEqual(sorted(self.info["variants"]), sorted(
            f"resnet18_opset{o}_{b}" for o in (13, 9) for b in ("folded", "kept")))
        self.assertLess(self.info["torch_fp32_vs_fp64"], 1e-5)
        self.assertEqual(self.info["batchnorm_modules"], 20)

    def test_same_module_as_seed_model(self):
        a = onnx_export.build_model("resnet50", 5).state_dict()
        b = seed_model.build_randomized_model("resnet50", 5, 3, num_classes=1000).state_dict()
        self.assertEqual(list(a), list(b))
        for key in a:
            self.assertTrue(torch.equal(a[key], b[key]), key)

    def test_reruns_are_byte_identical(self):
        with tempfile.TemporaryDirectory() as tmp:
            export(tmp, opsets=(9,), batchnorm=("kept",))
            for name in ("resnet18_opset9_kept.onnx", "input.npy", "output.npy"):
                with open(os.path.join(tmp, name), "rb") as a, open(os.path.join(self.out, name), "rb") as b:
                    self.assertEqual(a.read(), b.read(), name)

    def test_dynamic_dimensions(self):
        with tempfile.TemporaryDirectory() as tmp:
            export(tmp, shape=(2, 3, 40, 36), opsets=(13,), batchnorm=("folded",), dynamic=True)
            model = onnx.load(os.path.join(tmp, "resnet18_opset13_folded.onnx"))
            dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
            self.assertEqual(dims, ["batch", 3, "height", "width"])
            self.assertEqual(np.load(os.path.join(tmp, "output.npy")).shape, (2, 1000))

    def test_nothing_written_on_failure(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            real = onnx_export.check_onnx
            calls = []

            def fail_second(*args):
                calls.append(1)
                if len(calls) == 2:
                    raise onnx_export.ExportError("injected")
                return real(*args)

            with mock.patch.object(onnx_export, "check_onnx", fail_second):
                with self.assertRaisesRegex(onnx_export.ExportError, "injected"):
                    export(out)
            self.assertFalse(os.path.exists(out))
            with self.assertRaisesRegex(onnx_export.ExportError, "N,3,H,W"):
                export(out, shape=(1, 1, 32, 32))
            self.assertFalse(os.path.exists(out))

    def test_training_mode_module_refused(self):
        net = onnx_export.build_model("resnet18", 0).train()
        with self.assertRaisesRegex(onnx_export.ExportError, "eval mode"):
            onnx_export.onnx_bytes(net, torch.zeros(SHAPE), 13, "kept", False)

    def test_cli(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, TOOL, "resnet18", "--out", tmp, "--input-shape", "1,3,32,32",
                                "--opsets", "9", "--batchnorm", "kept"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("resnet18_opset9_kept.onnx: opset 9", r.stdout)
            self.assertIn("BatchNormalization 20", r.stdout)
            r = subprocess.run([sys.executable, TOOL, "resnet18", "--out", tmp, "--input-shape", "1,4,32,32"],
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stderr.strip()),
                             (1, "onnx_export.py: error: input shape [1, 4, 32, 32]: expected N,3,H,W with "
                                 "positive sizes"))
            r = subprocess.run([sys.executable, TOOL, "resnet18", "--out", tmp, "--opsets", "8"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("9..17", r.stderr)


if __name__ == "__main__":
    unittest.main()
