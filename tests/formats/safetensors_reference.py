"""Writes safetensors test files with the PyPI `safetensors` package (Hugging Face's own
implementation) for tests/formats/safetensors_test.cc.

Usage: safetensors_reference.py OUTDIR
- all_dtypes.safetensors: one tensor of every dtype the format defines, random bytes,
  shapes including a scalar and an empty tensor, with __metadata__;
- numpy.safetensors: float32/int arrays through safetensors.numpy.save_file;
- sharded/: two shards and model.safetensors.index.json as transformers writes them;
- expected.json: what each file holds (dtype, shape, data as hex, metadata).
"""
import json
import sys
from pathlib import Path

import numpy as np
import safetensors
from safetensors.numpy import save_file

out = Path(sys.argv[1])
rng = np.random.default_rng(4)

# safetensors name -> (serialize()'s dtype name, bytes per element)
DTYPES = {
    "F64": ("float64", 8), "F32": ("float32", 4), "F16": ("float16", 2),
    "BF16": ("bfloat16", 2), "F8_E4M3": ("float8_e4m3fn", 1), "F8_E5M2": ("float8_e5m2", 1),
    "I64": ("int64", 8), "I32": ("int32", 4), "I16": ("int16", 2), "I8": ("int8", 1),
    "U8": ("uint8", 1), "BOOL": ("bool", 1),
}
SHAPES = [[3, 5], [7], [2, 3, 4], [], [0, 3], [1, 1, 2, 3]]

tensors = {}
expected = {"all_dtypes.safetensors": {"metadata": {"format": "pt", "note": "written by safetensors"},
                                       "tensors": {}}}
for i, (name, (torch_name, size)) in enumerate(DTYPES.items()):
    shape = SHAPES[i % len(SHAPES)]
    count = int(np.prod(shape)) if shape else 1
    if name == "BOOL":
        data = rng.integers(0, 2, count, dtype=np.uint8).tobytes()
    else:
        data = rng.integers(0, 256, count * size, dtype=np.uint8).tobytes()
    tensor_name = f"model.layers.{i}.{name.lower()}_weight"
    tensors[tensor_name] = {"dtype": torch_name, "shape": shape, "data": data}
    expected["all_dtypes.safetensors"]["tensors"][tensor_name] = {
        "dtype": name, "shape": shape, "hex": data.hex()}
safetensors.serialize_file(tensors, str(out / "all_dtypes.safetensors"),
                           metadata=expected["all_dtypes.safetensors"]["metadata"])

arrays = {
    "embed.weight": rng.standard_normal((16, 8)).astype(np.float32),
    "norm.weight": np.ones(8, np.float32),
    "positions": np.arange(10, dtype=np.int64),
}
save_file(arrays, str(out / "numpy.safetensors"))
expected["numpy.safetensors"] = {"metadata": {}, "tensors": {
    k: {"dtype": {"float32": "F32", "int64": "I64"}[str(v.dtype)], "shape": list(v.shape),
        "hex": v.tobytes().hex()} for k, v in arrays.items()}}

sharded = out / "sharded"
sharded.mkdir()
shards = {
    "model-00001-of-00002.safetensors": {
        "model.embed_tokens.weight": rng.standard_normal((32, 4)).astype(np.float32),
        "model.layers.0.mlp.up_proj.weight": rng.standard_normal((8, 4)).astype(np.float16)},
    "model-00002-of-00002.safetensors": {
        "model.norm.weight": rng.standard_normal(4).astype(np.float32),
        "lm_head.weight": rng.standard_normal((32, 4)).astype(np.float32)},
}
weight_map = {}
expected["sharded"] = {"metadata": {}, "tensors": {}}
total = 0
for file, arrays in shards.items():
    save_file(arrays, str(sharded / file))
    for k, v in arrays.items():
        weight_map[k] = file
        total += v.nbytes
        expected["sharded"]["tensors"][k] = {
            "dtype": {"float32": "F32", "float16": "F16"}[str(v.dtype)],
            "shape": list(v.shape), "hex": v.tobytes().hex()}
(sharded / "model.safetensors.index.json").write_text(json.dumps(
    {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))

(out / "expected.json").write_text(json.dumps(expected))
