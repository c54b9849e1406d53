"""Checks a GGUF that `hfserve quantize` wrote against its source, with gguf-py only.

Usage: quantize_check.py SOURCE.gguf QUANTISED.gguf TYPE
- gguf-py's GGUFReader must read the output; every metadata key of the source must be
  there with the same contents (general.file_type excepted);
- every tensor has the source's name and shape; float tensors of 2+ dims whose rows are
  whole blocks are TYPE, the rest are copied byte for byte;
- Q8_0/Q4_0 tensors must equal gguf.quants.quantize of the source bytes exactly; Q4_K
  (no gguf-py quantiser) must dequantise, with gguf.quants.dequantize, to within 1/8 of
  each row's value range (a 4-bit grid spans 15 steps; 6-bit scales cost a little more).
Exits non-zero with the first problem found.
"""
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, quants
from gguf.constants import GGML_QUANT_SIZES

source, output, qtype = GGUFReader(sys.argv[1]), GGUFReader(sys.argv[2]), T[sys.argv[3]]


def fail(message):
    print("quantize_check:", message, file=sys.stderr)
    sys.exit(1)


out_fields = {k: f for k, f in output.fields.items() if not k.startswith("GGUF.")}
for key, field in source.fields.items():
    if key.startswith("GGUF.") or key in ("general.file_type", "general.alignment"):
        continue
    if key not in out_fields:
        fail(f"metadata {key} missing")
    if field.contents() != out_fields[key].contents():
        fail(f"metadata {key} differs")

out_tensors = {t.name: t for t in output.tensors}
if len(out_tensors) != len(source.tensors):
    fail("tensor count differs")
quantised = 0
for t in source.tensors:
    o = out_tensors.get(t.name)
    if o is None:
        fail(f"tensor {t.name} missing")
    if list(o.shape) != list(t.shape):
        fail(f"tensor {t.name} shape {list(o.shape)} != {list(t.shape)}")
    block_size = GGML_QUANT_SIZES[qtype][0]
    if len(t.shape) < 2 or t.tensor_type not in (T.F32, T.F16, T.BF16) or t.shape[0] % block_size:
        if o.tensor_type != t.tensor_type or bytes(o.data.tobytes()) != bytes(t.data.tobytes()):
            fail(f"tensor {t.name} should be copied unchanged")
        continue
    if o.tensor_type != qtype:
        fail(f"tensor {t.name} is {o.tensor_type.name}, not {qtype.name}")
    src = quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(t.data.shape[0], -1)
    if qtype in (T.Q8_0, T.Q4_0):
        want = quants.quantize(src, qtype)
        if want.tobytes() != o.data.tobytes():
            fail(f"tensor {t.name}: bytes differ from gguf.quants.quantize")
    else:
        back = quants.dequantize(o.data, qtype).reshape(src.shape)
        span = src.max(axis=1, keepdims=True) - np.minimum(src.min(axis=1, keepdims=True), 0)
        if np.any(np.abs(back - src) > span / 8 + 1e-6):
            fail(f"tensor {t.name}: Q4_K round trip error beyond 1/8 of the row range")
    quantised += 1
if quantised == 0:
    fail("nothing was quantised")
print(f"quantize_check: {quantised} tensors quantised as {qtype.name}, rest copied")
