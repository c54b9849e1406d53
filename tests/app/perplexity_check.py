"""`hfserve perplexity` against a reference on the demo model's GGUF, scored the way
llama.cpp's perplexity tool scores (non-overlapping windows of n_ctx, each starting with
BOS when the vocabulary adds one, the second half of each scored): the perplexity hfserve
prints must be within 1% of the reference's. Runs with .venv-peers' python.

Usage: perplexity_check.py HFSERVE_BINARY TEXT_FILE [FTYPE]

Without FTYPE the reference is llama.cpp (llama-cpp-python 0.3.16) on the demo file itself.

With FTYPE (Q4_K_M, Q5_K_M, Q3_K_M: a llama_ftype name) the demo model is first
requantised to it by llama.cpp's own quantiser (llama_model_quantize), which writes the
block types of the files users download (Q4_K_M: Q4_K, Q6_K, and Q5_0 and Q8_0 for the
rows of 576 that are not whole 256-value super-blocks; Q5_K_M: Q5_K, Q6_K, Q5_1, Q8_0;
Q3_K_M: IQ4_NL on those rows, Q4_K, Q5_K, Q5_0). The reference there is
transformers on PyTorch loading that GGUF (its weights dequantised to F32 by gguf-py):
exact arithmetic on the file's weights. llama.cpp is not the bar for these: it quantises
activations per 256 values for the K-quants, and on the Q4_K_M file its perplexity is 2%
above the exact figure, where hfserve's (8-bit activations per 32 values) is 0.2% off.
"""
import ctypes
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import llama_cpp
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from demo_model import demo_gguf  # noqa: E402

BINARY, TEXT = sys.argv[1], sys.argv[2]
FTYPE = sys.argv[3] if len(sys.argv) > 3 else None
N_CTX = 128
WINDOWS = 8
FIRST = N_CTX // 2


def requantise(source, ftype, folder):
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, "LLAMA_FTYPE_MOSTLY_" + ftype)
    params.allow_requantize = True
    params.nthread = 2
    path = os.path.join(folder, ftype + ".gguf")
    assert llama_cpp.llama_model_quantize(source.encode(), path.encode(),
                                          ctypes.byref(params)) == 0, "llama.cpp's quantize failed"
    return path


def windows_of(tokens, bos):
    for w in range(WINDOWS):
        window = tokens[w * N_CTX:(w + 1) * N_CTX]
        if bos is not None:
            window[0] = bos
        yield window


def perplexity(windows, logits_of):
    """exp(mean NLL) of window[j + 1] given logits_of(window)[j], j from FIRST on."""
    nll, count = 0.0, 0
    for window in windows:
        logits = logits_of(window)
        for j in range(FIRST, N_CTX - 1):
            row = logits[j]
            top = row.max()
            nll += np.log(np.exp(row - top).sum()) - (row[window[j + 1]] - top)
            count += 1
    return float(np.exp(nll / count))


def llama_cpp_logits(gguf):
    llm = llama_cpp.Llama(model_path=gguf, n_ctx=N_CTX, n_batch=N_CTX, logits_all=True,
                          n_threads=2, verbose=False)

    def logits_of(window):
        # One token per eval: llama-cpp-python 0.3.16 fills `scores` wrongly for the
        # positions of a many-token eval (a window evaluated at once scores several times
        # worse).
        llm.reset()
        for token in window[:-1]:
            llm.eval([token])
        return np.array(llm.scores[:N_CTX - 1], dtype=np.float64)
    return logits_of


def transformers_logits(gguf):
    import torch
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(os.path.dirname(gguf),
                                                 gguf_file=os.path.basename(gguf),
                                                 dtype=torch.float32)
    model.eval()

    def logits_of(window):
        with torch.no_grad():
            out = model(torch.tensor([window[:-1]])).logits[0]
        return out.double().numpy()
    return logits_of


workdir = tempfile.TemporaryDirectory(prefix="hfserve_perplexity_")
demo = str(demo_gguf("perplexity_check"))
gguf = requantise(demo, FTYPE, workdir.name) if FTYPE else demo

vocab = llama_cpp.Llama(model_path=gguf, vocab_only=True, verbose=False)
# As llama.cpp's perplexity tool: BOS only where the vocabulary asks for it (SmolLM2's does
# not), and then in place of each window's first token.
add_bos = vocab.metadata.get("tokenizer.ggml.add_bos_token", "true") == "true"
tokens = vocab.tokenize(Path(TEXT).read_text().encode(), add_bos=add_bos)
assert len(tokens) >= WINDOWS * N_CTX, len(tokens)
name, logits_of = (("transformers", transformers_logits(gguf)) if FTYPE
                   else ("llama.cpp", llama_cpp_logits(gguf)))
reference = perplexity(windows_of(tokens, vocab.token_bos() if add_bos else None), logits_of)

out = subprocess.run([BINARY, "--log_level", "warn", "perplexity", gguf, "--file", TEXT, "--ctx",
                      str(N_CTX), "--chunks", str(WINDOWS), "--kv_cache_memory", "64MiB",
                      "--max_model_len", "1024", "--threads", "2"], check=True,
                     capture_output=True, text=True).stdout
match = re.search(r"Final estimate: PPL = ([0-9.]+) \((\d+) windows", out)
assert match, out
ours, windows = float(match.group(1)), int(match.group(2))
assert windows == WINDOWS, (windows, out)
difference = abs(ours - reference) / reference
print(f"{FTYPE or 'Q4_1'}: perplexity over {WINDOWS} windows of {N_CTX}: hfserve {ours:.4f}, "
      f"{name} {reference:.4f} ({100 * difference:.3f}% apart)")
assert difference < 0.01, "more than 1% apart"
