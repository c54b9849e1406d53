"""Writes reference data for tests/tensor/quants_test.cc with gguf-py (llama.cpp's own
Python package), independent of hfserve.

Usage: quants_reference.py OUTDIR
For each block type T it writes T.blocks (random blocks: every quant bit pattern, finite
random half-precision scales) and T.f32 (gguf.quants.dequantize of them); F16/BF16 cover
all 65536 bit patterns. For Q8_0 and Q4_0 it writes quant_src.f32 and T.quantized
(gguf.quants.quantize); f32_to_f16 checks come from numpy's own astype(float16).
"""
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants
from gguf.constants import GGML_QUANT_SIZES

out = Path(sys.argv[1])
rng = np.random.default_rng(20261122)

# Byte offsets of the half-precision scale fields in each block (ggml-common.h layouts).
HALF_FIELDS = {
    "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0],
    "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
    "IQ4_NL": [0],
}
N_BLOCKS = 512

for name, fields in HALF_FIELDS.items():
    qtype = T[name]
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(N_BLOCKS, type_size), dtype=np.uint8)
    for offset in fields:
        halves = (rng.standard_normal(N_BLOCKS) * 0.05).astype(np.float16)
        blocks[:, offset:offset + 2] = halves.view(np.uint8).reshape(N_BLOCKS, 2)
    expected = quants.dequantize(blocks, qtype).astype(np.float32)
    assert expected.size == N_BLOCKS * block_size
    blocks.tofile(out / f"{name}.blocks")
    expected.tofile(out / f"{name}.f32")

every_16bit = np.arange(65536, dtype=np.uint16)
every_16bit.tofile(out / "F16.blocks")
quants.dequantize(every_16bit.view(np.uint8), T.F16).astype(np.float32).tofile(out / "F16.f32")
every_16bit.tofile(out / "BF16.blocks")
quants.dequantize(every_16bit.view(np.uint8), T.BF16).astype(np.float32).tofile(out / "BF16.f32")

# Float -> half/bf16: random bit patterns over the whole float range plus values at the
# half's edges (subnormals, rounding ties, overflow).
bits = rng.integers(0, 2**32, size=1 << 20, dtype=np.uint64).astype(np.uint32)
floats = bits.view(np.float32)
floats = floats[~np.isnan(floats)]
edges = np.concatenate([
    rng.uniform(-7e-5, 7e-5, 100000), rng.uniform(-70000, 70000, 100000),
    np.array([65504, 65519.99, 65520, 65536, 2**-24, 2**-25, 3 * 2**-26, 2**-14, 0.0, -0.0]),
]).astype(np.float32)
floats = np.concatenate([floats, edges, -edges])
floats.tofile(out / "convert_src.f32")
with np.errstate(over="ignore"):
    floats.astype(np.float16).tofile(out / "convert.f16")
quants.quantize(floats, T.BF16).tofile(out / "convert.bf16")

# Quantisation sources: Gaussian rows, rows with an outlier, constant, zero and tiny blocks,
# and values already rounded to half (a converted F16 checkpoint).
rows = [rng.standard_normal(4096).astype(np.float32)]
outlier = rng.standard_normal(4096).astype(np.float32) * 0.02
outlier[rng.integers(0, 4096, 64)] *= 300
rows.append(outlier)
rows.append(np.full(1024, 0.125, np.float32))
rows.append(np.zeros(1024, np.float32))
rows.append((rng.standard_normal(1024) * 1e-6).astype(np.float32))
rows.append(rng.standard_normal(2048).astype(np.float16).astype(np.float32))
src = np.concatenate(rows).astype(np.float32)
src.tofile(out / "quant_src.f32")
for name in ["Q8_0", "Q4_0"]:
    quants.quantize(src, T[name]).tofile(out / f"{name}.quantized")
