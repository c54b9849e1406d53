"""`hfserve perplexity` against llama.cpp (llama-cpp-python 0.3.16) on the demo model's
GGUF: llama.cpp's logits over the same windows, scored the way llama.cpp's perplexity tool
scores them (non-overlapping windows of n_ctx, each starting with BOS when the vocabulary
adds one, the second half of each scored), must give the perplexity hfserve prints within 1%.

Usage: perplexity_check.py HFSERVE_BINARY TEXT_FILE
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import llama_cpp
import numpy as np

BINARY, TEXT = sys.argv[1], sys.argv[2]
N_CTX = 128
WINDOWS = 8

hub = Path(os.environ.get("HF_HUB_CACHE", Path(os.environ.get(
    "HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub"))
found = sorted(hub.glob("models--QuantFactory--SmolLM2-135M-Instruct-GGUF/snapshots/*/"
                        "SmolLM2-135M-Instruct.Q4_1.gguf"))
assert found, "the demo model is not in the Hugging Face cache: run scripts/setup"
gguf = str(found[0])

llm = llama_cpp.Llama(model_path=gguf, n_ctx=N_CTX, n_batch=N_CTX, logits_all=True,
                      n_threads=2, verbose=False)
text = Path(TEXT).read_text()
# As llama.cpp's perplexity tool: BOS only where the vocabulary asks for it (SmolLM2's does
# not), and then in place of each window's first token.
add_bos = llm.metadata.get("tokenizer.ggml.add_bos_token", "true") == "true"
tokens = llm.tokenize(text.encode(), add_bos=add_bos)
assert len(tokens) >= WINDOWS * N_CTX, len(tokens)
nll, count = 0.0, 0
first = N_CTX // 2
for w in range(WINDOWS):
    window = tokens[w * N_CTX:(w + 1) * N_CTX]
    if add_bos:
        window[0] = llm.token_bos()
    # One token per eval: llama-cpp-python 0.3.16 fills `scores` wrongly for the positions
    # of a many-token eval (a window evaluated at once scores several times worse).
    llm.reset()
    for token in window[:-1]:
        llm.eval([token])
    logits = np.array(llm.scores[:N_CTX - 1], dtype=np.float64)
    for j in range(first, N_CTX - 1):
        row = logits[j]
        top = row.max()
        nll += np.log(np.exp(row - top).sum()) - (row[window[j + 1]] - top)
        count += 1
reference = float(np.exp(nll / count))

out = subprocess.run([BINARY, "--log_level", "warn", "perplexity", gguf, "--file", TEXT, "--ctx",
                      str(N_CTX), "--chunks", str(WINDOWS), "--kv_cache_memory", "64MiB",
                      "--max_model_len", "1024", "--threads", "2"], check=True,
                     capture_output=True, text=True).stdout
match = re.search(r"Final estimate: PPL = ([0-9.]+) \((\d+) windows", out)
assert match, out
ours, windows = float(match.group(1)), int(match.group(2))
assert windows == WINDOWS, (windows, out)
difference = abs(ours - reference) / reference
print(f"perplexity over {WINDOWS} windows of {N_CTX}: hfserve {ours:.4f}, llama.cpp "
      f"{reference:.4f} ({100 * difference:.3f}% apart)")
assert difference < 0.01, "more than 1% apart"
