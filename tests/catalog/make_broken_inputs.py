#!/usr/bin/env python3
"""Writes the broken inputs of the error catalog (tests/catalog/cases.txt) into OUT_DIR.

Every file is derived from a valid one (a spec, safetensors, .npy or weights blob of the small
test models, or a small ONNX model written here), changed in one way, so each catalog case
exercises one mistake and is reproducible.
Standard library only.

  make_broken_inputs.py OUT_DIR --specs DIR --safetensors FILE --blob FILE
"""
import argparse
import copy
import json
import math
import os
import struct

DELETE = object()  # a mutation value that removes the key


# --- specs: JSON pointer -> new value, applied to a copy of a valid spec ---------------------

def set_pointer(doc, pointer, value):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    parent = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if isinstance(parent, list):
        if value is DELETE:
            del parent[int(last)]
        else:
            parent[int(last)] = value
    elif value is DELETE:
        del parent[last]
    else:
        parent[last] = value


GENERAL = "general_form.json"
NARROW = "seed_narrow.json"
FC1 = "/stages/2/layers/2"  # general_form's first linear layer
STEM = "/stages/0/layers/0"  # general_form's 5x5 stride-2 conv on [2,3,33,29]

SPEC_MUTATIONS = {
    "spec_missing_input": (GENERAL, {"/input": DELETE}),
    "spec_missing_stages": (GENERAL, {"/stages": DELETE}),
    "spec_unknown_top_key": (GENERAL, {"/stagez": []}),
    "spec_unknown_layer_key": (GENERAL, {STEM + "/kernal": 3}),
    "spec_missing_out_channels": (GENERAL, {STEM + "/out_channels": DELETE}),
    "spec_kernel_string": (GENERAL, {STEM + "/kernel": "5"}),
    "spec_name_number": (GENERAL, {"/name": 5}),
    "spec_stages_object": (GENERAL, {"/stages": {"stem": []}}),
    "spec_input_rank3": (GENERAL, {"/input/shape": [2, 3, 33]}),
    "spec_input_zero": (GENERAL, {"/input/shape": [0, 3, 33, 29]}),
    "spec_input_negative": (GENERAL, {"/input/shape": [2, -3, 33, 29]}),
    "spec_input_fraction": (GENERAL, {"/input/shape": [2, 3, 33.5, 29]}),
    "spec_input_overflow": (GENERAL, {"/input/shape": [4294967296, 4294967296, 4294967296, 4294967296]}),
    "spec_input_product_overflow": (GENERAL, {"/input/shape": [65536, 65536, 65536, 65536]}),
    "spec_out_channels_zero": (GENERAL, {STEM + "/out_channels": 0}),
    "spec_out_channels_negative": (GENERAL, {STEM + "/out_channels": -24}),
    "spec_out_channels_huge": (GENERAL, {STEM + "/out_channels": 1 << 62}),
    "spec_kernel_larger_than_input": (GENERAL, {STEM + "/kernel": 41, STEM + "/padding": 0}),
    "spec_stride_zero": (GENERAL, {STEM + "/stride": 0}),
    "spec_padding_negative": (GENERAL, {STEM + "/padding": -1}),
    "spec_groups_not_dividing": (GENERAL, {STEM + "/groups": 2}),
    "spec_groups_zero": (GENERAL, {STEM + "/groups": 0}),
    "spec_add_channel_mismatch": (GENERAL, {"/stages/1/layers/6/out_channels": 32}),
    "spec_unknown_op": (GENERAL, {STEM + "/op": "conv3d"}),
    "spec_duplicate_name": (GENERAL, {"/stages/1/layers/1/name": "pooled"}),
    "spec_undefined_value": (GENERAL, {"/stages/1/layers/2/inputs": ["pooled", "nowhere"]}),
    "spec_forward_reference": (GENERAL, {"/stages/1/layers/1/inputs": ["proj"]}),
    "spec_self_reference": (GENERAL, {"/stages/1/layers/2/inputs": ["pooled", "mixed"]}),
    "spec_linear_features_zero": (GENERAL, {FC1 + "/out_features": 0}),
    "spec_empty_stages": (GENERAL, {"/stages": []}),
    "spec_block_residuals_zero": (NARROW, {"/stages/1/num_residuals": 0}),
    # Two macro stages with one prefix: one message for b3, not one per conv and batchnorm in it.
    "spec_weights_prefix_clash": (NARROW, {"/stages/2/weights": "1"}),
    "spec_weights_prefix_empty": (GENERAL, {STEM + "/weights": ""}),
    # Valid shapes, but far more memory than any limit allows: refused before allocating.
    "spec_weights_too_large": (GENERAL, {FC1 + "/out_features": 1 << 24}),
    "spec_arena_too_large": (GENERAL, {"/input/shape": [256, 3, 1024, 1024]}),
}

RAW_SPECS = {
    "spec_invalid_json": ('{\n  "name": "broken",\n  "input": {"shape": [1, 3, 8, 8]},\n'
                          '  "stages": [\n    {"name": "a",,}\n  ]\n}\n'),
    "spec_not_object": "[1, 2, 3]\n",
    "spec_empty_file": "",
}

# The same kinds of mistakes in the .rn text syntax (dsl/spec_rn.cpp): every message has the
# file:line:column, the source line and a caret.
RN_HEAD = "network broken\ninput [1, 3, 32, 32]\n"
RAW_RN_SPECS = {
    "rn_syntax_error": RN_HEAD + "b1 = conv(8, k=3 s=1)@c\n",
    "rn_unknown_op": RN_HEAD + "b1 = conv(8, k=3)@c sigmoid\n",
    "rn_kernel_string": RN_HEAD + "b1 = conv(8, k=\"three\")@c\n",
    "rn_undefined_value": RN_HEAD + "b1 = conv(8, k=3)@c as a\n  add from [a, nowhere]\n",
    "rn_channel_mismatch": RN_HEAD + ("b1 = conv(8, k=3, p=1)@c1 as a\n  conv(16, k=3, p=1)@c2 as b\n"
                                      "  add from [a, b]\n"),
    "rn_two_errors": RN_HEAD + "b1 = conv(0, k=3)@c\nb2 = maxpool(3, s=0)\n",
    "rn_groups_not_dividing": RN_HEAD + "b1 = conv(8, k=3, groups=4)@c\n",
    # Without '@' every layer has its default prefix (docs/spec.md, section 7.2); b1's written one
    # is also b2's default.
    "rn_default_prefix_clash": RN_HEAD + "b1 = conv(16, k=3, p=1)@1.0.conv1 bn relu\nb2 = resnet_block(16, 2, first)\n",
}


def write_specs(out, spec_dir):
    for name, (base, changes) in SPEC_MUTATIONS.items():
        with open(os.path.join(spec_dir, base)) as f:
            doc = json.load(f)
        for pointer, value in changes.items():
            set_pointer(doc, pointer, value)
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
    for name, text in RAW_SPECS.items():
        with open(os.path.join(out, name + ".json"), "w") as f:
            f.write(text)
    for name, text in RAW_RN_SPECS.items():
        with open(os.path.join(out, name + ".rn"), "w") as f:
            f.write(text)


# --- safetensors -----------------------------------------------------------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack_from("<Q", raw)
    return json.loads(raw[8:8 + length]), raw[8 + length:]


def safetensors_bytes(header, data):
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write_safetensors_cases(out, path):
    header, data = read_safetensors(path)
    with open(path, "rb") as f:
        raw = f.read()
    first = "0.0.weight"  # [4, 1, 7, 7] F32
    begin, end = header[first]["data_offsets"]

    def variant(name, change=None, new_data=None):
        h = copy.deepcopy(header)
        if change:
            change(h)
        write(out, name + ".safetensors", safetensors_bytes(h, data if new_data is None else new_data))

    def set_entry(key, field, value):
        return lambda h: h[key].__setitem__(field, value)

    def with_float(value):
        return data[:begin] + struct.pack("<f", value) + data[begin + 4:]

    write(out, "st_empty.safetensors", b"")
    write(out, "st_short.safetensors", raw[:5])
    write(out, "st_header_past_end.safetensors", struct.pack("<Q", len(raw)) + raw[8:])
    write(out, "st_header_absurd.safetensors", struct.pack("<Q", 1 << 62) + raw[8:])
    write(out, "st_truncated.safetensors", raw[:-100])
    bad_json = b'{"0.0.weight": {"dtype": "F32",'
    write(out, "st_header_invalid_json.safetensors", struct.pack("<Q", len(bad_json)) + bad_json + data)
    variant("st_header_not_object", lambda h: (h.clear(), h.update({"x": []})))
    write(out, "st_header_array.safetensors", struct.pack("<Q", 8) + b"[1,2,3] " + data)
    variant("st_offsets_out_of_range", set_entry(first, "data_offsets", [begin, len(data) + 4]))
    variant("st_offsets_reversed", set_entry(first, "data_offsets", [end, begin]))
    second = "0.1.bias"
    b2, e2 = header[second]["data_offsets"]
    variant("st_offsets_overlap", set_entry(second, "data_offsets", [begin, begin + (e2 - b2)]))
    variant("st_offsets_negative", set_entry(first, "data_offsets", [-4, end]))
    variant("st_dtype_int", set_entry(first, "dtype", "I32"))
    variant("st_dtype_unknown", set_entry(first, "dtype", "F8"))
    variant("st_shape_wrong", set_entry(first, "shape", [4, 1, 49, 1]))
    variant("st_shape_negative", set_entry(first, "shape", [4, -1, 7, 7]))
    variant("st_shape_bytes_mismatch", set_entry(first, "shape", [4, 1, 7, 8]))
    variant("st_shape_overflow", set_entry(first, "shape", [1 << 40, 1 << 40, 1 << 40]))
    variant("st_missing_tensor", lambda h: h.pop(first))
    variant("st_extra_tensor",
            lambda h: h.__setitem__("extra.weight", {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}))
    variant("st_entry_not_object", lambda h: h.__setitem__(first, [1, 2]))
    variant("st_nan", new_data=with_float(math.nan))
    variant("st_inf", new_data=with_float(math.inf))


# --- .npy and PGM/PPM inputs -----------------------------------------------------------------

def npy_bytes(descr, shape, payload, magic=b"\x93NUMPY"):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    header += " " * (-(len(magic) + 4 + len(header) + 1) % 64) + "\n"
    return magic + b"\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def write_npy_cases(out, prefix, shape):
    """Broken inputs for a model of input `shape` (NCHW)."""
    count = math.prod(shape)
    floats = struct.pack("<%df" % count, *([0.5] * count))
    write(out, prefix + "_valid.npy", npy_bytes("<f4", shape, floats))
    wrong = [shape[0], shape[1], shape[2] + 1, shape[3]]
    write(out, prefix + "_wrong_shape.npy", npy_bytes("<f4", wrong, floats + bytes(4 * shape[0] * shape[1] * shape[3])))
    write(out, prefix + "_f64.npy", npy_bytes("<f8", shape, floats + floats))
    write(out, prefix + "_truncated.npy", npy_bytes("<f4", shape, floats)[:-10])
    write(out, prefix + "_bad_magic.npy", npy_bytes("<f4", shape, floats, magic=b"\x93NUMPZ"))
    write(out, prefix + "_huge_shape.npy", npy_bytes("<f4", [1 << 20, 1 << 20, 1 << 20, 1 << 20], floats))
    write(out, prefix + "_fortran.npy", npy_bytes("<f4", shape, floats).replace(b"False", b"True "))


def write_image_cases(out, shape):
    """PGM/PPM inputs for a model whose input is [N, C, H, W] with C == 3."""
    _, channels, height, width = shape
    pixels = bytes(range(256)) * (channels * height * width // 256 + 1)
    write(out, "img_ppm_valid.ppm", b"P6\n%d %d\n255\n" % (width, height) + pixels[:3 * height * width])
    write(out, "img_pgm_one_channel.pgm", b"P5\n%d %d\n255\n" % (width, height) + pixels[:height * width])
    write(out, "img_ppm_wrong_size.ppm", b"P6\n%d %d\n255\n" % (width + 1, height) + pixels[:3 * height * (width + 1)])
    write(out, "img_ppm_truncated.ppm", b"P6\n%d %d\n255\n" % (width, height) + pixels[:100])
    write(out, "img_pnm_bad_magic.pgm", b"P9\n%d %d\n255\n" % (width, height) + pixels[:height * width])
    write(out, "img_ppm_maxval_zero.ppm", b"P6\n%d %d\n0\n" % (width, height) + pixels[:3 * height * width])
    write(out, "img_ppm_huge_size.ppm", b"P6\n100000000 100000000\n255\n" + pixels[:64])


# --- packed-weights blobs (layout in runtime/blob_format.hpp) --------------------------------

def write_blob_cases(out, path):
    with open(path, "rb") as f:
        blob = f.read()
    header, payload = blob[:128], blob[128:]

    def patched(offset, value):
        return blob[:offset] + value + blob[offset + len(value):]

    write(out, "blob_truncated_header.weights", blob[:50])
    write(out, "blob_truncated_payload.weights", blob[:-64])
    write(out, "blob_extra_bytes.weights", blob + bytes(64))
    flipped = bytes([payload[len(payload) // 2] ^ 0x01])
    write(out, "blob_tampered.weights",
          header + payload[:len(payload) // 2] + flipped + payload[len(payload) // 2 + 1:])
    write(out, "blob_bad_magic.weights", patched(0, b"RNCBLOB9"))
    write(out, "blob_wrong_version.weights", patched(8, struct.pack("<I", 99)))
    write(out, "blob_payload_field.weights", patched(16, struct.pack("<Q", 1 << 60)))
    write(out, "blob_other_hash.weights", patched(24, b"0" * 64))
    write(out, "not_a_directory", b"a file where a directory is expected\n")


def write_calibration_cases(out, shape):
    """Broken calibration images (--precision int8) for a model of input `shape` (NCHW, batch N)."""
    n, c, h, w = shape
    image = h * w * c

    def npy(name, images, values=None):
        values = values if values is not None else [0.25] * (images * image)
        write(out, name, npy_bytes("<f4", [images, c, h, w], struct.pack("<%df" % len(values), *values)))

    npy("calib_valid.npy", n)
    write(out, "calib_wrong_shape.npy", npy_bytes("<f4", [n, c, h + 1, w], bytes(4 * n * c * (h + 1) * w)))
    npy("calib_empty.npy", 0)
    nan = [0.25] * (n * image)
    nan[image + 7] = float("nan")
    npy("calib_nan.npy", n, nan)
    inf = [0.25] * (n * image)
    inf[3] = float("inf")
    npy("calib_inf.npy", n, inf)
    for directory in ("calib_dir_empty", "calib_dir_corrupt"):
        os.makedirs(os.path.join(out, directory), exist_ok=True)
    write(out, "calib_dir_empty/notes.txt", b"no images here\n")
    npy("calib_dir_corrupt/a.npy", n)
    write(out, "calib_dir_corrupt/b.pgm", b"P5\n%d %d\n255\n" % (w, h) + bytes(10))


# --- ONNX models, written with a minimal protobuf encoder (field numbers from onnx.proto) -------

def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, payload):  # length-delimited: strings, bytes, messages
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _int(number, value):
    return _varint(number << 3) + _varint(value)


def _attr_ints(name, values):  # AttributeProto: name 1, ints 8, type 20 (INTS = 7)
    return _field(1, name.encode()) + b"".join(_int(8, v) for v in values) + _int(20, 7)


def _node(op, inputs, outputs, name, attrs=()):  # NodeProto: input 1, output 2, name 3, op_type 4, attribute 5
    return (b"".join(_field(1, i.encode()) for i in inputs) + b"".join(_field(2, o.encode()) for o in outputs) +
            _field(3, name.encode()) + _field(4, op.encode()) + b"".join(_field(5, a) for a in attrs))


def _tensor(name, dims, floats=None, raw=None, external=None):
    """TensorProto: dims 1, data_type 2 (FLOAT = 1), name 8, raw_data 9, external_data 13, data_location 14."""
    body = b"".join(_int(1, d) for d in dims) + _int(2, 1) + _field(8, name.encode())
    if floats is not None:
        raw = struct.pack("<%df" % len(floats), *floats)
    if raw is not None:
        body += _field(9, raw)
    if external is not None:
        body += _field(13, _field(1, b"location") + _field(2, external.encode())) + _int(14, 1)
    return body


def _value_info(name, dims):  # ValueInfoProto: name 1, type 2 -> tensor_type 1 -> elem_type 1, shape 2 -> dim 1
    shape = b"".join(_field(1, _int(1, d) if isinstance(d, int) else _field(2, d.encode())) for d in dims)
    return _field(1, name.encode()) + _field(2, _field(1, _int(1, 1) + _field(2, shape)))


def _model(nodes, initializers, input_dims, output_dims, opset=13):
    """ModelProto: ir_version 1, graph 7, opset_import 8; GraphProto: node 1, name 2, initializer 5, input 11,
    output 12."""
    graph = (b"".join(_field(1, n) for n in nodes) + _field(2, b"catalog") +
             b"".join(_field(5, t) for t in initializers) + _field(11, _value_info("x", input_dims)) +
             _field(12, _value_info("y", output_dims)))
    return _int(1, 7) + _field(7, graph) + _field(8, _field(1, b"") + _int(2, opset))


def _conv_relu(weight, attrs=()):
    """x [1,3,8,8] -> Conv 4x3x3x3 (pads 1) -> Relu -> y [1,4,8,8]."""
    conv = _node("Conv", ["x", "w"], ["c"], "/layer1/Conv_3", [_attr_ints("pads", [1, 1, 1, 1])] + list(attrs))
    return [conv, _node("Relu", ["c"], ["y"], "/layer1/Relu_4")], [weight]


def write_onnx_cases(out):
    weight = _tensor("w", [4, 3, 3, 3], floats=[0.01 * i for i in range(108)])
    nodes, inits = _conv_relu(weight)
    valid = _model(nodes, inits, [1, 3, 8, 8], [1, 4, 8, 8])
    write(out, "onnx_valid.onnx", valid)
    write(out, "onnx_truncated.onnx", valid[:len(valid) // 2])
    write(out, "onnx_not_protobuf.onnx", b"\x08\x07\xff\xff\xff\xff garbage, not an ONNX model")
    # Three unsupported things in three nodes, all reported by one run.
    nodes, inits = _conv_relu(weight, [_attr_ints("dilations", [2, 2])])
    nodes[1] = _node("Sigmoid", ["c"], ["s"], "act")
    nodes.append(_node("MaxPool", ["s"], ["y"], "pool", [_attr_ints("kernel_shape", [3, 1])]))
    write(out, "onnx_unsupported.onnx", _model(nodes, inits, [1, 3, 8, 8], [1, 4, 4, 8]))
    nodes, inits = _conv_relu(_tensor("w", [4, 3, 3, 3], raw=bytes(12)))
    write(out, "onnx_initializer_size.onnx", _model(nodes, inits, [1, 3, 8, 8], [1, 4, 8, 8]))
    nodes, inits = _conv_relu(weight)
    write(out, "onnx_symbolic.onnx", _model(nodes, inits, ["batch", 3, "height", "width"], [1, 4, 8, 8]))
    write(out, "onnx_opset_18.onnx", _model(nodes, inits, [1, 3, 8, 8], [1, 4, 8, 8], opset=18))
    # External data that leaves the model's directory (the file exists, so only resnetc's rule refuses it).
    os.makedirs(os.path.join(out, "onnx_escape"), exist_ok=True)
    write(out, "onnx_outside.bin", bytes(4 * 108))
    nodes, inits = _conv_relu(_tensor("w", [4, 3, 3, 3], external="../onnx_outside.bin"))
    write(out, "onnx_escape/model.onnx", _model(nodes, inits, [1, 3, 8, 8], [1, 4, 8, 8]))


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--specs", required=True, help="tests/specs")
    parser.add_argument("--safetensors", required=True, help="valid weights of seed_narrow.json")
    parser.add_argument("--blob", required=True, help="valid blob of the general_form test model")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write_specs(args.out, args.specs)
    write_safetensors_cases(args.out, args.safetensors)
    write_npy_cases(args.out, "narrow", [2, 1, 40, 36])
    write_npy_cases(args.out, "general", [2, 3, 33, 29])
    write_image_cases(args.out, [2, 3, 33, 29])
    write_blob_cases(args.out, args.blob)
    write_calibration_cases(args.out, [2, 1, 40, 36])
    write_onnx_cases(args.out)


if __name__ == "__main__":
    main()
