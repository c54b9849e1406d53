"""Dumps what gguf-py's GGUFReader sees in a GGUF file as JSON, for tests that compare
hfserve's reader with it key by key and tensor by tensor.

Usage: gguf_dump.py FILE OUT.json
Output: {"metadata": [[key, [type names...], contents]], "tensors": [[name, ggml type id,
dims (innermost first), n_elements, n_bytes, absolute data offset]]}. Like gguf-py,
contents flattens nested arrays; the types list is the type chain of the first element.
"""
import json
import sys

from gguf import GGUFReader

reader = GGUFReader(sys.argv[1])
metadata = []
for key, field in reader.fields.items():
    if key.startswith("GGUF."):  # the reader's pseudo-fields for the file header
        continue
    metadata.append([key, [t.name for t in field.types], field.contents()])
tensors = [[t.name, int(t.tensor_type), [int(d) for d in t.shape], int(t.n_elements),
            int(t.n_bytes), int(t.data_offset)] for t in reader.tensors]
with open(sys.argv[2], "w") as f:
    json.dump({"metadata": metadata, "tensors": tensors}, f)
