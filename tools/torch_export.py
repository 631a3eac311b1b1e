#!/usr/bin/python3
"""Export PyTorch weights for resnetc.

resnetc reads weights as safetensors keyed by state_dict names. The
`safetensors` package is not available here, so the format is written by hand:
8-byte little-endian header length N, N bytes of JSON (padded with spaces to a
multiple of 8), then the raw little-endian tensor data.

Layout: format I/O, then exporters (state_dict now; a torch.fx graph
`export(model, example_input, spec_path, weights_path)` belongs next to
save_state_dict later), then one CLI sub-command per exporter.
"""

import argparse
import json
import os
import struct
import sys
import tempfile

import numpy as np
import torch

import seed_model


class ExportError(Exception):
    """A user-facing failure: the CLI prints the message and exits 1."""


# ---------------------------------------------------------------- format I/O

# safetensors dtype name -> (torch dtype, numpy dtype with the same bytes).
# BF16 has no numpy type, so its bytes travel as int16.
DTYPES = {
    "F64": (torch.float64, np.dtype("<f8")),
    "F32": (torch.float32, np.dtype("<f4")),
    "F16": (torch.float16, np.dtype("<f2")),
    "BF16": (torch.bfloat16, np.dtype("<i2")),
    "I64": (torch.int64, np.dtype("<i8")),
    "I32": (torch.int32, np.dtype("<i4")),
    "U8": (torch.uint8, np.dtype("u1")),
}
_NAME_OF = {torch_dtype: name for name, (torch_dtype, _) in DTYPES.items()}
_ALIGN = 8


def atomic_write_bytes(path, data):
    """Write via a temp file in the same directory + os.replace, so readers
    (and interrupted runs) never see a half-written file."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ExportError(f"{path}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory,
                               prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would leak into the result
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tensor_bytes(name, tensor):
    """Contiguous little-endian bytes and safetensors dtype name of `tensor`."""
    if not isinstance(name, str):
        raise ExportError(f"tensor name {name!r} is not a string")
    if not isinstance(tensor, torch.Tensor):
        hint = " (a checkpoint? save the state_dict alone)" if isinstance(tensor, dict) else ""
        raise ExportError(f"{name!r} is a {type(tensor).__name__}, not a torch.Tensor{hint}")
    if tensor.dtype not in _NAME_OF:
        raise ExportError(f"{name!r} has unsupported dtype {tensor.dtype} "
                          f"(supported: {', '.join(DTYPES)})")
    dtype_name = _NAME_OF[tensor.dtype]
    t = tensor.detach().cpu().contiguous()
    if dtype_name == "BF16":
        t = t.view(torch.int16)
    return t.numpy().astype(DTYPES[dtype_name][1], copy=False).tobytes(), dtype_name


def _encode_header(header):
    """Compact JSON with sorted keys (deterministic), space-padded so the data
    section starts 8-byte aligned."""
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % _ALIGN)
    return struct.pack("<Q", len(text)) + text


def _layout_order(encoded):
    """Wider dtypes first, then by name (as the reference safetensors writer
    does): every tensor starts aligned to its element size with no gaps,
    so readers may use the data in place."""
    width = {name: DTYPES[name][1].itemsize for name in DTYPES}
    return sorted(encoded, key=lambda name: (-width[encoded[name][1]], name))


def safetensors_bytes(tensors, metadata=None):
    """The complete file contents: sorted header keys, aligned data."""
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ExportError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    if "__metadata__" in tensors:
        raise ExportError("'__metadata__' is reserved and cannot name a tensor")
    encoded = {name: _tensor_bytes(name, t) for name, t in tensors.items()}
    for name in _layout_order(encoded):
        data, dtype_name = encoded[name]
        header[name] = {"dtype": dtype_name, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    return _encode_header(header) + b"".join(chunks)


def save_safetensors(tensors, path, metadata=None):
    """Write `tensors` (name -> tensor) to `path`; same input, same bytes."""
    atomic_write_bytes(path, safetensors_bytes(tensors, metadata))


def read_safetensors_header(path):
    """(header dict, data section bytes) of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ExportError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ExportError(f"{path}: header length {n} exceeds the file size")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ExportError(f"{path}: malformed header JSON: {e}")
    return header, blob[8 + n:]


def load_safetensors(path):
    """Read a safetensors file back into tensors (name -> tensor), checking
    offsets against dtype and shape; used by tests."""
    header, data = read_safetensors_header(path)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in DTYPES:
            raise ExportError(f"{path}: {name!r} has unsupported dtype {info['dtype']}")
        torch_dtype, np_dtype = DTYPES[info["dtype"]]
        shape, (begin, end) = info["shape"], info["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(data) or end - begin != count * np_dtype.itemsize:
            raise ExportError(f"{path}: {name!r} offsets {begin}..{end} do not fit "
                              f"{info['dtype']}{shape} in {len(data)} data bytes")
        array = np.frombuffer(data, dtype=np_dtype, count=count, offset=begin).reshape(shape)
        t = torch.from_numpy(array.astype(np_dtype.newbyteorder("="), copy=True))
        out[name] = t.view(torch_dtype) if info["dtype"] == "BF16" else t
    return out


# ----------------------------------------------------------------- exporters

def save_state_dict(module_or_state_dict, path, metadata=None):
    """Write a module's (or a plain) state_dict under its own key names, which
    is what resnetc looks weights up by."""
    if isinstance(module_or_state_dict, torch.nn.Module):
        state = module_or_state_dict.state_dict()
    elif isinstance(module_or_state_dict, dict):
        state = module_or_state_dict
    else:
        raise ExportError(f"expected an nn.Module or a state_dict, got "
                          f"{type(module_or_state_dict).__name__}")
    save_safetensors(state, path, {"format": "pt"} if metadata is None else metadata)


# ----------------------------------------------------------------------- CLI

def _load_torch_file(path):
    """torch.load with the failure modes turned into ExportError messages."""
    if not os.path.isfile(path):
        raise ExportError(f"{path}: no such file")
    try:
        return torch.load(path, map_location="cpu")
    except Exception as e:  # pickle, zip and missing-class errors all land here
        raise ExportError(f"{path}: cannot torch.load: {type(e).__name__}: {e}")


def cmd_state_dict(args):
    obj = _load_torch_file(args.input)
    if not isinstance(obj, (torch.nn.Module, dict)):
        raise ExportError(f"{args.input}: contains a {type(obj).__name__}, "
                          "not a state_dict or an nn.Module")
    save_state_dict(obj, args.output)


def cmd_seed(args):
    net = seed_model.build_randomized_seed_net(args.seed, **seed_model.arch_from_args(args))
    save_state_dict(net, args.output)


def build_parser():
    parser = argparse.ArgumentParser(
        description="Export PyTorch weights to safetensors for resnetc.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("state-dict", help="convert a torch.save'd state_dict or module",
                       description="Convert a torch.save'd state_dict (or whole module, "
                                   "whose state_dict is taken) to safetensors.")
    p.add_argument("input", metavar="IN.pt")
    p.add_argument("output", metavar="OUT.safetensors")
    p.set_defaults(func=cmd_state_dict)

    p = sub.add_parser("seed", help="random-weight seed ResNet (notebook structure)",
                       description="Build the notebook's ResNet with seeded default "
                                   "init and randomized BatchNorm, save its state_dict.")
    p.add_argument("output", metavar="OUT.safetensors")
    seed_model.add_arch_arguments(p, "--in-channels")
    p.set_defaults(func=cmd_seed)
    # A later `export` sub-command (torch.fx -> spec + weights) registers here.
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ExportError, ValueError, OSError) as e:
        print(f"torch_export.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
