"""Runs `hfserve inspect` on a model and checks its counts against the reference readers:
the tensor and parameter counts and per-dtype totals from `safetensors` (safe_open) for a
folder, or from gguf-py's GGUFReader for a .gguf file.

Usage: inspect_check.py HFSERVE_BINARY MODEL
"""
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

binary, model = sys.argv[1], sys.argv[2]
out = subprocess.run([binary, "--log_level", "warn", "inspect", model], check=True,
                     capture_output=True, text=True).stdout
print(out)

if model.endswith(".gguf"):
    from gguf import GGUFReader
    reader = GGUFReader(model)
    tensors = [(t.tensor_type.name, int(t.n_elements)) for t in reader.tensors]
else:
    from safetensors import safe_open
    tensors = []
    for file in sorted(Path(model).glob("*.safetensors")):
        with safe_open(str(file), framework="numpy") as f:
            for name in f.keys():
                sl = f.get_slice(name)
                count = 1
                for d in sl.get_shape():
                    count *= d
                tensors.append((sl.get_dtype(), count))

want_params = sum(n for _, n in tensors)
want_by_dtype = Counter(d for d, _ in tensors)
got_tensors = int(re.search(r"^tensors: (\d+)$", out, re.M).group(1))
got_params = int(re.search(r"^parameters: (\d+)$", out, re.M).group(1))
got_by_dtype = {m.group(1): int(m.group(2)) for m in re.finditer(r"^  (\w+): (\d+) tensors", out, re.M)}
problems = []
if got_tensors != len(tensors):
    problems.append(f"tensors {got_tensors} != {len(tensors)}")
if got_params != want_params:
    problems.append(f"parameters {got_params} != {want_params}")
if got_by_dtype != dict(want_by_dtype):
    problems.append(f"per dtype {got_by_dtype} != {dict(want_by_dtype)}")
if problems:
    sys.exit("inspect_check: " + "; ".join(problems))
print(f"inspect_check: {len(tensors)} tensors, {want_params} parameters agree")
