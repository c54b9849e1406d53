"""Writes GGUF test files with gguf-py (llama.cpp's own Python package) for
tests/formats/gguf_test.cc.

Usage: gguf_reference.py OUTDIR
- all_types.gguf: every metadata value type (nested arrays included), a custom
  general.alignment, and one tensor of every tensor type hfserve reads;
- all_types_v2.gguf: the same bytes with version 2 (v2 and v3 differ only in that v3
  allows big-endian files);
- split-0000k-of-00003.gguf: a model split by gguf-py's writer into three parts;
- float_model.gguf: F32/F16/BF16 matrices with 512-wide rows and a norm vector, a source
  for quantisation to every target (Q4_K needs rows of 256).
"""
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFWriter, quants
from gguf.constants import GGML_QUANT_SIZES

out = Path(sys.argv[1])
rng = np.random.default_rng(5)

writer = GGUFWriter(str(out / "all_types.gguf"), "llama")
writer.data_alignment = 64
writer.add_custom_alignment(64)
writer.add_uint8("test.uint8", 200)
writer.add_int8("test.int8", -100)
writer.add_uint16("test.uint16", 60000)
writer.add_int16("test.int16", -30000)
writer.add_uint32("test.uint32", 4_000_000_000)
writer.add_int32("test.int32", -2_000_000_000)
writer.add_float32("test.float32", 0.1)
writer.add_uint64("test.uint64", 2**64 - 5)
writer.add_int64("test.int64", -(2**62))
writer.add_float64("test.float64", 1e-300)
writer.add_bool("test.bool", True)
writer.add_string("test.string", "héllo wörld ✓")
writer.add_array("test.array_int", [1, -2, 3])
writer.add_array("test.array_float", [0.5, -1.25])
writer.add_array("test.array_string", ["a", "", "ü"])
writer.add_array("test.array_bool", [True, False])
writer.add_array("test.nested", [[1, 2], [3, 4, 5]])
writer.add_array("test.nested_strings", [["x", "y"], ["z"]])
writer.add_context_length(128)
writer.add_embedding_length(64)

plain = {
    "f32": np.float32, "f16": np.float16, "i8": np.int8, "i16": np.int16, "i32": np.int32,
    "i64": np.int64, "f64": np.float64,
}
for name, dtype in plain.items():
    writer.add_tensor(f"plain.{name}", (rng.standard_normal((3, 32)) * 10).astype(dtype))
bf16 = quants.quantize(rng.standard_normal((2, 32)).astype(np.float32), T.BF16)
writer.add_tensor("plain.bf16", bf16, raw_dtype=T.BF16)
for qtype in [T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K]:
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    rows, cols = 3, 2 * max(block_size, 32)
    raw = rng.integers(0, 256, (rows, cols // block_size * type_size), dtype=np.uint8)
    writer.add_tensor(f"quant.{qtype.name.lower()}", raw, raw_dtype=qtype)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()

data = bytearray((out / "all_types.gguf").read_bytes())
data[4:8] = (2).to_bytes(4, "little")
(out / "all_types_v2.gguf").write_bytes(bytes(data))

split = GGUFWriter(str(out / "split.gguf"), "llama", split_max_tensors=2)
for i in range(5):
    split.add_tensor(f"blk.{i}.attn_norm.weight", rng.standard_normal(16).astype(np.float32))
split.write_header_to_file()
split.write_kv_data_to_file()
split.write_tensors_to_file()
split.close()

model = GGUFWriter(str(out / "float_model.gguf"), "llama")
model.add_context_length(64)
model.add_tensor("token_embd.weight", rng.standard_normal((8, 512)).astype(np.float32))
model.add_tensor("blk.0.attn_q.weight", (rng.standard_normal((16, 512)) * 0.02).astype(np.float16))
model.add_tensor("blk.0.ffn_up.weight", quants.quantize(rng.standard_normal((4, 512)).astype(np.float32), T.BF16),
                 raw_dtype=T.BF16)
model.add_tensor("blk.0.attn_norm.weight", np.ones(512, np.float32))
model.write_header_to_file()
model.write_kv_data_to_file()
model.write_tensors_to_file()
model.close()
