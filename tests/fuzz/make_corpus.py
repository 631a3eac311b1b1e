#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/NAME/): small valid inputs and
near-valid ones that stop at each check. Run again after a format change; the files are committed.
Needs only the standard library."""
import json
import pathlib
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def write(harness, name, data):
    path = HERE / "corpus" / harness / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def spec_json():
    for spec in [ROOT / "examples/resnet18.json", *sorted((ROOT / "tests/specs").glob("*.json"))]:
        shutil.copy(spec, HERE / "corpus/spec_json" / spec.name)
    tiny = {"name": "tiny", "input": {"shape": [1, 1, 8, 8]}, "stages": [
        {"name": "s", "layers": [{"op": "conv2d", "weights": "c", "out_channels": 2, "kernel": 3, "padding": 1},
                                 {"op": "relu"}, {"op": "global_avgpool"}, {"op": "flatten"},
                                 {"op": "linear", "weights": "fc", "out_features": 3}]}]}
    text = json.dumps(tiny)
    write("spec_json", "tiny.json", text)
    write("spec_json", "tiny_truncated.json", text[: len(text) // 2])
    write("spec_json", "tiny_bad_type.json", text.replace('"kernel": 3', '"kernel": "3"'))


def spec_rn():
    specs = [ROOT / "examples/resnet18.rn", *sorted((ROOT / "examples/digits").glob("*.rn")),
             *sorted((ROOT / "tests/specs").glob("*.rn"))]
    for spec in specs:
        write("spec_rn", spec.name, spec.read_bytes())
    tiny = ("network tiny\ninput [1, 1, 8, 8]\n\n"
            "s = conv(2, k=3, p=1)@c relu as r\n  add from [r, r]\n  global_avgpool flatten linear(3)@fc\n")
    write("spec_rn", "tiny.rn", tiny)
    write("spec_rn", "tiny_truncated.rn", tiny[: len(tiny) // 2])
    write("spec_rn", "tiny_bad_type.rn", tiny.replace("k=3", 'k="3"'))


def safetensors(tensors, metadata=True):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = {"format": "pt"}
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    valid = {
        "w.weight": ("F32", [2, 2], struct.pack("<4f", 1, -2, 0.5, 3)),
        "w.bias": ("F16", [2], struct.pack("<2e", 0.25, -1)),
        "bn.running_var": ("BF16", [2], bytes([0x80, 0x3F, 0x00, 0x40])),
        "bn.running_mean": ("F64", [1], struct.pack("<d", 0.125)),
        "bn.num_batches_tracked": ("I64", [], struct.pack("<q", 7)),
        "empty": ("F32", [0, 3], b""),
    }
    write("safetensors", "valid.safetensors", safetensors(valid))
    write("safetensors", "no_metadata.safetensors", safetensors({"x": valid["w.weight"]}, metadata=False))
    blob = safetensors(valid)
    write("safetensors", "truncated_data.safetensors", blob[:-5])
    write("safetensors", "header_past_end.safetensors", struct.pack("<Q", 1 << 20) + blob[8:])
    header = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
    text = json.dumps(header).encode()
    write("safetensors", "overlap.safetensors", struct.pack("<Q", len(text)) + text + bytes(12))


def npy(descr="<f4", fortran=False, shape=(1, 3, 2, 2), version=1, data=None):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    text = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (descr, fortran, dims)
    length_bytes = 2 if version == 1 else 4
    text += " " * ((64 - (6 + 2 + length_bytes + len(text) + 1) % 64) % 64) + "\n"
    count = 1
    for d in shape:
        count *= d
    if data is None:
        data = struct.pack("<%df" % count, *[i * 0.5 for i in range(count)])
    length = struct.pack("<H" if version == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text.encode() + data


def npy_seeds():
    write("npy", "v1.npy", npy())
    write("npy", "v2.npy", npy(version=2, shape=(5,)))
    write("npy", "v3_rank0.npy", npy(version=3, shape=()))
    write("npy", "zero_size.npy", npy(shape=(0, 4)))
    write("npy", "f8.npy", npy(descr="<f8", shape=(2,), data=bytes(16)))
    write("npy", "fortran.npy", npy(fortran=True, shape=(2, 2)))
    write("npy", "truncated.npy", npy()[:-3])
    write("npy", "negative_dim.npy", npy(shape=(-1, 2), data=b""))


def pnm(magic, width, height, maxval, raster, comment=b""):
    return magic + b"\n" + comment + b"%d %d\n%d\n" % (width, height, maxval) + raster


def pnm_seeds():
    write("pnm", "gray.pgm", pnm(b"P5", 4, 3, 255, bytes(range(0, 240, 20)), b"# a comment\n"))
    write("pnm", "color.ppm", pnm(b"P6", 2, 2, 255, bytes(range(12))))
    write("pnm", "maxval15.pgm", pnm(b"P5", 2, 1, 15, bytes([3, 16])))
    write("pnm", "truncated.ppm", pnm(b"P6", 3, 3, 255, bytes(20)))
    write("pnm", "ascii.pgm", b"P2\n2 1\n255\n0 255\n")
    write("pnm", "sixteen_bit.pgm", pnm(b"P5", 1, 1, 65535, bytes(2)))


def fnv1a64(data):
    """runtime/blob_format.hpp: FNV-1a over little-endian 64-bit words, then the trailing bytes."""
    h, prime, mask = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1
    whole = len(data) - len(data) % 8
    for i in range(0, whole, 8):
        h = ((h ^ struct.unpack_from("<Q", data, i)[0]) * prime) & mask
    for b in data[whole:]:
        h = ((h ^ b) * prime) & mask
    return h


# The model fuzz_weights_blob.cpp expects.
MODEL_HASH = b"0123456789abcdef" * 4
PAYLOAD_BYTES = 192


def blob(payload, model_hash=MODEL_HASH, version=1, checksum=None, tensor_count=3):
    checksum = fnv1a64(payload) if checksum is None else checksum
    header = b"RNCBLOB1" + struct.pack("<IIQ", version, tensor_count, len(payload)) + model_hash
    header += struct.pack("<Q", checksum)
    return header + bytes(128 - len(header)) + payload


def weights_blob_seeds():
    payload = bytes((i * 7) % 256 for i in range(PAYLOAD_BYTES))
    write("weights_blob", "valid.blob", blob(payload))
    write("weights_blob", "bad_checksum.blob", blob(payload, checksum=1))
    write("weights_blob", "other_model.blob", blob(payload, model_hash=b"f" * 64))
    write("weights_blob", "version2.blob", blob(payload, version=2))
    write("weights_blob", "truncated.blob", blob(payload)[:-10])
    write("weights_blob", "trailing.blob", blob(payload) + b"\0" * 8)
    write("weights_blob", "short_payload.blob", blob(payload[:64]))


if __name__ == "__main__":
    shutil.rmtree(HERE / "corpus", ignore_errors=True)
    (HERE / "corpus/spec_json").mkdir(parents=True)
    spec_json()
    spec_rn()
    safetensors_seeds()
    npy_seeds()
    pnm_seeds()
    weights_blob_seeds()
