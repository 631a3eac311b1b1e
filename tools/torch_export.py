#!/usr/bin/python3
"""Export PyTorch weights for resnetc.

resnetc reads weights as safetensors keyed by state_dict names. The
`safetensors` package is not available here, so the format is written by hand:
8-byte little-endian header length N, N bytes of JSON (padded with spaces to a
multiple of 8), then the raw little-endian tensor data.

`export(model, example_input, spec_path, weights_path)` traces a module with
torch.fx and writes the whole network: a resnetc spec in the general form
(one node per module call, named by the module's qualified name, so the
weights are the state_dict as is) and the safetensors weights. See
docs/export.md.

Layout: format I/O, then exporters (state_dict, fx graph), then one CLI
sub-command per exporter.
"""

import argparse
import json
import operator
import os
import re
import struct
import sys
import tempfile

import numpy as np
import torch
import torch.fx as fx
from torch import nn
from torch.nn import functional as F

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
    directory = existing_directory(path)
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


def existing_directory(path):
    """The directory `path` would be written to; ExportError when missing."""
    directory = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(directory):
        raise ExportError(f"{os.fspath(path)}: directory {directory} does not exist")
    return directory


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


# ------------------------------------------------------ fx graph -> resnetc spec

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PARAMETRIC_OPS = ("conv2d", "batchnorm2d", "linear")


def _describe(qualname, class_name):
    """How messages name a module: its qualified name and class."""
    return f"{qualname} ({class_name})" if qualname else f"the root module ({class_name})"


def _unsupported(where, what, hint=None):
    return ExportError(f"{where}: {what} is not supported by resnetc" + (f" ({hint})" if hint else ""))


def _require(condition, where, what, hint=None):
    if not condition:
        raise _unsupported(where, what, hint)


def _square(value, attribute, where):
    """One int from a PyTorch int-or-pair attribute whose entries agree."""
    if isinstance(value, int):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == value[1] \
            and isinstance(value[0], int):
        return value[0]
    raise _unsupported(where, f"{attribute}={value!r}", "it needs the same integer on both axes")


def _window(m, where, op):
    """kernel, stride, padding of a conv or pool module; defaults left out."""
    attrs = {"op": op, "kernel": _square(m.kernel_size, "kernel_size", where)}
    stride = _square(m.stride, "stride", where)
    padding = m.padding
    _require(not isinstance(padding, str), where, f"padding={padding!r}", "give the padding as integers")
    padding = _square(padding, "padding", where)
    if stride != (1 if op == "conv2d" else attrs["kernel"]):
        attrs["stride"] = stride
    if padding:
        attrs["padding"] = padding
    return attrs


def _conv2d(m, where):
    _require(tuple(m.dilation) == (1, 1), where, f"dilation={tuple(m.dilation)} (dilated convolution)")
    _require(m.padding_mode == "zeros", where, f"padding_mode={m.padding_mode!r}", "zero padding only")
    attrs = {"op": "conv2d", "out_channels": m.out_channels, **_window(m, where, "conv2d")}
    if m.groups != 1:
        attrs["groups"] = m.groups
    if m.bias is None:
        attrs["bias"] = False
    return attrs


def _batchnorm2d(m, where):
    _require(m.affine and m.track_running_stats, where,
             f"affine={m.affine}, track_running_stats={m.track_running_stats}",
             "batchnorm2d needs weight, bias and running statistics")
    return {"op": "batchnorm2d"} if m.eps == 1e-5 else {"op": "batchnorm2d", "eps": m.eps}


def _maxpool2d(m, where):
    _require(_square(m.dilation, "dilation", where) == 1, where, f"dilation={m.dilation!r}")
    _require(not m.ceil_mode, where, "ceil_mode=True")
    _require(not m.return_indices, where, "return_indices=True")
    return _window(m, where, "maxpool2d")


def _avgpool2d(m, where):
    _require(not m.ceil_mode, where, "ceil_mode=True")
    _require(m.count_include_pad, where, "count_include_pad=False")
    _require(m.divisor_override is None, where, f"divisor_override={m.divisor_override}")
    return _window(m, where, "avgpool2d")


def _global_pool_size(size, where):
    _require(size in (1, (1, 1), [1, 1]), where, f"output_size={size!r}",
             "only output_size (1, 1), the global average")
    return {"op": "global_avgpool"}


def _flatten_dims(start, end, where):
    _require(start == 1 and end in (-1, 3), where,
             f"flatten(start_dim={start}, end_dim={end})", "it flattens from dim 1 to the end")
    return {"op": "flatten"}


def _linear(m, _where):
    attrs = {"op": "linear", "out_features": m.out_features}
    if m.bias is None:
        attrs["bias"] = False
    return attrs


# Leaf module type -> converter(module, where) giving the layer's attributes; None: an alias
# (the layer passes its input through in eval mode).
_MODULES = {
    nn.Conv2d: _conv2d,
    nn.BatchNorm2d: _batchnorm2d,
    nn.ReLU: lambda m, where: {"op": "relu"},
    nn.MaxPool2d: _maxpool2d,
    nn.AvgPool2d: _avgpool2d,
    nn.AdaptiveAvgPool2d: lambda m, where: _global_pool_size(m.output_size, where),
    nn.Flatten: lambda m, where: _flatten_dims(m.start_dim, m.end_dim, where),
    nn.Linear: _linear,
    nn.Identity: lambda m, where: None,
    nn.Dropout: lambda m, where: None,
}


def _arg(node, index, keyword, default):
    """Argument `index` of an fx call, given positionally or by keyword."""
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(keyword, default)


def _tensor(value, where, role):
    if not isinstance(value, fx.Node):
        raise _unsupported(where, f"{role} {value!r}", "a constant where a tensor is needed")
    return value


def _fn_relu(node, where):
    return {"op": "relu"}, [_tensor(node.args[0], where, "relu of")]


def _fn_add(node, where):
    _require(_arg(node, 2, "alpha", 1) == 1, where, "add with alpha")
    _require("out" not in node.kwargs, where, "add with out=")
    a = _tensor(node.args[0], where, "adding")
    return {"op": "add"}, [a, _tensor(_arg(node, 1, "other", None), where, "adding")]


def _fn_flatten(default_start):
    def convert(node, where):
        dims = _flatten_dims(_arg(node, 1, "start_dim", default_start), _arg(node, 2, "end_dim", -1), where)
        return dims, [_tensor(node.args[0], where, "flatten of")]
    return convert


def _fn_adaptive_avg_pool2d(node, where):
    return (_global_pool_size(_arg(node, 1, "output_size", None), where),
            [_tensor(node.args[0], where, "pooling of")])


# Functions and tensor methods -> converter(fx node, where) giving (attributes, tensor inputs).
_FUNCTIONS = {
    operator.add: _fn_add, operator.iadd: _fn_add, torch.add: _fn_add,
    torch.relu: _fn_relu, torch.relu_: _fn_relu, F.relu: _fn_relu, F.relu_: _fn_relu,
    torch.flatten: _fn_flatten(0),
    F.adaptive_avg_pool2d: _fn_adaptive_avg_pool2d,
}
_METHODS = {"relu": _fn_relu, "relu_": _fn_relu, "add": _fn_add, "add_": _fn_add,
            "flatten": _fn_flatten(0)}


class _ScopeTracer(fx.Tracer):
    """symbolic_trace's tracer that also records, for every node, the module whose forward
    created it (meta["resnetc_scope"] = (qualname, class name)): functions are named and
    reported by the module they are called in."""

    def trace(self, root, concrete_args=None):
        self._scopes = [("", type(root).__name__)]
        return super().trace(root, concrete_args)

    def call_module(self, m, forward, args, kwargs):
        self._scopes.append((self.path_of_module(m), type(m).__name__))
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self._scopes.pop()

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["resnetc_scope"] = self._scopes[-1]
        return node


def _function_name(target):
    try:
        name = fx.node._get_qualified_name(target)
    except Exception:  # a callable without a qualified name
        return repr(target)
    return name[1:] if name.startswith("_operator.") else name


class _NameTable:
    """Unique value names: the first use of a name keeps it, later ones get _1, _2, ..."""

    def __init__(self, reserved=()):
        self.taken = set(reserved)

    def unique(self, name):
        candidate, n = name, 0
        while candidate in self.taken:
            n += 1
            candidate = f"{name}_{n}"
        self.taken.add(candidate)
        return candidate


class _SpecBuilder:
    """Walks an fx graph in order and collects spec layers with their stage keys."""

    def __init__(self, model):
        self.modules = dict(model.named_modules())
        self.names = _NameTable(reserved={"input"})
        self.values = {}   # fx node -> spec value name
        self.layers = []   # (stage key or None, layer dict)
        self.previous = "input"
        self.weight_users = {}  # module qualname -> layer name
        self.output = None

    def visit(self, node):
        getattr(self, "_" + node.op)(node)

    def _placeholder(self, node):
        if "input" in self.values.values():
            raise ExportError(f"forward takes a second input {node.target!r}; resnetc networks "
                              "have one input")
        self.values[node] = "input"

    def _get_attr(self, node):
        scope, cls = node.meta["resnetc_scope"]
        raise _unsupported(_describe(scope, cls), f"reading the tensor {node.target!r} in forward",
                           "tensors must be parameters of the modules called")

    def _call_module(self, node):
        m = self.modules[node.target]
        where = _describe(node.target, type(m).__name__)
        convert = _MODULES.get(type(m))
        if convert is None:
            raise _unsupported(where, f"module type {type(m).__name__}",
                               f"supported: {', '.join(t.__name__ for t in _MODULES)}")
        if len(node.args) != 1 or node.kwargs:
            raise _unsupported(where, "a call with other than one tensor argument")
        x = _tensor(node.args[0], where, "calling it on")
        attrs = convert(m, where)
        if attrs is None:
            self.values[node] = self.values[x]
            return
        if attrs["op"] in _PARAMETRIC_OPS:
            if node.target in self.weight_users:
                raise _unsupported(where, "calling a module with weights twice",
                                   f"first call: layer {self.weight_users[node.target]!r}; each "
                                   "resnetc layer has weights of its own")
            attrs["weights"] = node.target
        self._emit(node, node.target, node.target.split(".")[0], attrs, [x])
        if attrs["op"] in _PARAMETRIC_OPS:
            self.weight_users[node.target] = self.values[node]

    def _call(self, node, table, what):
        scope, cls = node.meta["resnetc_scope"]
        where = _describe(scope, cls)
        convert = table.get(node.target)
        if convert is None:
            known = ", ".join(sorted({_function_name(t) if callable(t) else f".{t}()" for t in table}))
            raise _unsupported(where, what, f"supported: {known}")
        attrs, inputs = convert(node, where)
        op = attrs["op"]
        self._emit(node, f"{scope}.{op}" if scope else op, scope.split(".")[0] or None, attrs, inputs)

    def _call_function(self, node):
        self._call(node, _FUNCTIONS, f"function {_function_name(node.target)}")

    def _call_method(self, node):
        self._call(node, _METHODS, f"tensor method .{node.target}()")

    def _output(self, node):
        result = node.args[0]
        if not isinstance(result, fx.Node):
            raise ExportError(f"forward returns a {type(result).__name__}; resnetc networks "
                              "return one tensor")
        self.output = self.values[result]

    def _emit(self, node, name, stage_key, attrs, inputs):
        name = self.names.unique(name)
        layer = {"name": name, "op": attrs["op"]}
        sources = [self.values[x] for x in inputs]
        if sources != [self.previous]:  # the default input is the previous value
            layer["inputs"] = sources if len(sources) > 1 else sources[0]
        if "weights" in attrs:
            layer["weights"] = attrs["weights"]
        layer.update((k, v) for k, v in attrs.items() if k not in layer)
        self.layers.append((stage_key, layer))
        self.values[node] = self.previous = name

    def stages(self):
        """Consecutive layers of one top-level container module form a stage named after it;
        runs of top-level leaves and functions are the stem, the head or a plain stage."""
        groups = []
        for key, layer in self.layers:
            is_container = key is not None and any(True for _ in self.modules[key].children())
            group_key = key if is_container else None
            if not groups or groups[-1][0] != group_key:
                groups.append((group_key, []))
            groups[-1][1].append(layer)
        containers = [i for i, (key, _) in enumerate(groups) if key is not None]
        stages = []
        for i, (key, layers) in enumerate(groups):
            if key is not None:
                name = key if _IDENTIFIER.match(key) else "s" + re.sub(r"\W", "_", key)
            elif not containers:
                name = "body"
            else:
                name = "stem" if i < containers[0] else "head" if i > containers[-1] else "between"
            stages.append({"name": self.names.unique(name), "layers": layers})
        return stages

    def unused_weights(self, state_dict):
        """state_dict tensors of modules forward never calls (resnetc would call them
        unexpected); num_batches_tracked is ignored as resnetc does."""
        return [k for k in state_dict if k.rsplit(".", 1)[0] not in self.weight_users
                and not k.endswith(".num_batches_tracked")]


def _format_spec(spec):
    """The spec as JSON with one layer per line (as the hand-written examples)."""
    def dumps(value):
        return json.dumps(value, separators=(", ", ": "))
    stages = []
    for stage in spec["stages"]:
        layers = ",\n".join("      " + dumps(layer) for layer in stage["layers"])
        stages.append(f'    {{"name": {dumps(stage["name"])}, "layers": [\n{layers}\n    ]}}')
    text = (f'{{\n  "name": {dumps(spec["name"])},\n  "input": {dumps(spec["input"])},\n'
            f'  "stages": [\n' + ",\n".join(stages) + "\n  ]")
    if "output" in spec:
        text += f',\n  "output": {dumps(spec["output"])}'
    return text + "\n}\n"


def _network_name(name, spec_path):
    if name is None:
        stem = os.path.splitext(os.path.basename(os.fspath(spec_path)))[0]
        name = re.sub(r"\W", "_", stem) or "net"
        name = name if _IDENTIFIER.match(name) else "net_" + name
    if not _IDENTIFIER.match(name):
        raise ExportError(f"network name {name!r} is not an identifier ([A-Za-z_][A-Za-z0-9_]*)")
    return name


def _input_shape(example_input):
    shape = list(example_input.shape if isinstance(example_input, torch.Tensor) else example_input)
    if len(shape) != 4 or not all(isinstance(d, int) and d >= 1 for d in shape):
        raise ExportError(f"example input has shape {shape}; resnetc needs [N, C, H, W]")
    return shape


def trace_to_spec(model, example_input, name="net"):
    """The resnetc spec (a dict) of `model` traced with torch.fx for the input shape of
    `example_input` (a tensor or an [N, C, H, W] shape). ExportError names the module
    and what resnetc cannot express."""
    if not isinstance(model, nn.Module):
        raise ExportError(f"expected an nn.Module, got {type(model).__name__}")
    shape = _input_shape(example_input)
    try:
        graph = _ScopeTracer().trace(model)
    except ExportError:
        raise
    except Exception as e:  # data-dependent control flow and other tracing failures
        raise ExportError(f"torch.fx cannot trace {type(model).__name__}: {type(e).__name__}: {e}")
    builder = _SpecBuilder(model)
    for node in graph.nodes:
        builder.visit(node)
    if not builder.layers:
        raise ExportError(f"{type(model).__name__} computes nothing resnetc can compile")
    unused = builder.unused_weights(model.state_dict())
    if unused:
        raise ExportError(f"forward never uses the state_dict tensors {', '.join(unused[:5])}"
                          f"{' ...' if len(unused) > 5 else ''} (resnetc would call them unexpected)")
    spec = {"name": name, "input": {"shape": shape}, "stages": builder.stages()}
    if builder.output != builder.previous:
        spec["output"] = builder.output
    return spec


def export(model, example_input, spec_path, weights_path, name=None):
    """Write `model` as a resnetc spec (spec_path, JSON) and its state_dict as safetensors
    (weights_path). The model is traced in eval mode (BatchNorm uses its running statistics)
    and left in the mode it had. Nothing is written unless the whole export succeeds, and each
    file is replaced atomically. Returns the spec as a dict."""
    name = _network_name(name, spec_path)
    was_training = model.training if isinstance(model, nn.Module) else False
    try:
        if isinstance(model, nn.Module):
            model.eval()
        spec = trace_to_spec(model, example_input, name)
    finally:
        if isinstance(model, nn.Module):
            model.train(was_training)
    weights = safetensors_bytes(model.state_dict(), {"format": "pt"})
    for path in (spec_path, weights_path):
        existing_directory(path)
    atomic_write_bytes(weights_path, weights)
    atomic_write_bytes(spec_path, _format_spec(spec).encode("utf-8"))
    return spec


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


def _load_module(source, args):
    """The module the export sub-command traces: a model by name, or a torch.save'd module."""
    if source in seed_model.MODELS:
        seed = source == "seed"  # the notebook's defaults, else ImageNet's
        channels = args.in_channels or (1 if seed else 3)
        classes = args.num_classes or (10 if seed else 1000)
        net = seed_model.build_randomized_model(source, args.seed, channels, args.widths,
                                                args.residuals, classes)
    else:
        net = _load_torch_file(source)
        if not isinstance(net, torch.nn.Module):
            raise ExportError(f"{source}: contains a {type(net).__name__}, not an nn.Module "
                              f"(or name a model: {', '.join(seed_model.MODELS)})")
    if args.state_dict:
        state = _load_torch_file(args.state_dict)
        if isinstance(state, torch.nn.Module):
            state = state.state_dict()
        try:
            net.load_state_dict(state)
        except (RuntimeError, TypeError, AttributeError) as e:
            raise ExportError(f"{args.state_dict}: does not fit {source}: {e}")
    return net


def cmd_export(args):
    net = _load_module(args.model, args)
    export(net, args.input_shape, args.spec, args.weights, args.name)


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

    p = sub.add_parser("export", help="trace a module with torch.fx: spec + weights",
                       description="Trace a module with torch.fx and write a resnetc spec and "
                                   "its safetensors weights (see docs/export.md).")
    p.add_argument("model", metavar="MODEL",
                   help=f"one of {', '.join(seed_model.MODELS)} (seeded random weights), or a "
                        "torch.save'd nn.Module (.pt)")
    p.add_argument("--input-shape", required=True, type=seed_model.int_list, metavar="N,C,H,W",
                   help="the input shape the spec is made for")
    p.add_argument("--spec", required=True, metavar="OUT.json", help="spec to write")
    p.add_argument("--weights", required=True, metavar="OUT.safetensors", help="weights to write")
    p.add_argument("--name", help="network name (default: from the spec file name)")
    p.add_argument("--state-dict", metavar="IN.pt", help="load these weights into MODEL first")
    seed_model.add_arch_arguments(p, "--channels")
    # Channel and class counts default per model (1 and 10 for the seed, 3 and 1000 else).
    p.set_defaults(func=cmd_export, in_channels=None, num_classes=None)
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
