#!/usr/bin/python3
"""Self-check of tools/train_digits.py against the committed example (examples/digits).
Run: /usr/bin/python3 tests/digits/test_train_digits.py (exit 1 on failure)."""

import os
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import torch_export  # noqa: E402
import train_digits  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "digits")


class CommittedExampleTest(unittest.TestCase):
    def test_spec_is_what_the_script_writes(self):
        with open(os.path.join(EXAMPLE, train_digits.SPEC), encoding="utf-8") as f:
            self.assertEqual(f.read(), train_digits.spec_text())

    def test_labels_file_names_every_class(self):
        with open(os.path.join(EXAMPLE, train_digits.LABELS_FILE), encoding="utf-8") as f:
            self.assertEqual(tuple(f.read().splitlines()), train_digits.LABELS)

    def test_samples_are_held_out_images_of_their_digit(self):
        pixels, labels = train_digits.read_heldout(EXAMPLE)
        self.assertEqual(len(labels), train_digits.HELDOUT_COUNT)
        for digit in range(10):
            sample = train_digits.read_pgm(os.path.join(EXAMPLE, "samples", f"digit_{digit}.pgm"))
            first = np.flatnonzero(labels == digit)[0]
            np.testing.assert_array_equal(sample, pixels[first])

    def test_heldout_is_the_seeded_split_of_sklearn_digits(self):
        try:
            images, labels = train_digits.load_digit_images()
        except ImportError:
            self.skipTest("python3-sklearn is not installed")
        _, heldout = train_digits.split_indices(len(labels))
        pixels, heldout_labels = train_digits.read_heldout(EXAMPLE)
        np.testing.assert_array_equal(heldout_labels, labels[heldout])
        np.testing.assert_array_equal(pixels, images[heldout])


class PgmTest(unittest.TestCase):
    def test_round_trip_with_a_comment(self):
        pixels = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
        data = train_digits.pgm_bytes(pixels).replace(b"P5\n", b"P5\n# made by hand\n", 1)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.pgm")
            with open(path, "wb") as f:
                f.write(data)
            np.testing.assert_array_equal(train_digits.read_pgm(path), pixels)

    def test_heldout_with_a_missing_label_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            strip = np.zeros((2 * train_digits.IMAGE_SIZE, train_digits.IMAGE_SIZE), np.uint8)
            with open(os.path.join(tmp, train_digits.HELDOUT_IMAGES), "wb") as f:
                f.write(train_digits.pgm_bytes(strip))
            with open(os.path.join(tmp, train_digits.HELDOUT_LABELS), "w") as f:
                f.write("3\n")
            with self.assertRaisesRegex(torch_export.ExportError, "expected 32x32 for 1 labels"):
                train_digits.read_heldout(tmp)


if __name__ == "__main__":
    unittest.main()
