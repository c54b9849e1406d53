"""Weights used as stored are not held twice: `hfserve generate` on a random
Llama-architecture GGUF in F16, Q8_0 and Q4_0 (written by gguf-py, its own quantiser for
the blocks) and in Q4_K (`hfserve quantize` from the F16 file) must
hold no more than the file's size plus 5% after the load, above what the same command
holds for a model of almost no weights (llama2.c's 1 MB stories260K, the process's own baseline), as
hfserve logs its resident memory once the model is loaded.
Where the CPU has kernels with their own layout for a type (AVX-512 VNNI repacks Q8_0,
Q4_0 and Q4_K at load) the repacked copy must replace the file's pages, not sit beside them.
Q4_K's repacked layout unpacks the sub-block scales to bytes, so it is allowed that growth
on top of the 5%.

Usage: weight_memory_check.py HFSERVE TESTDATA
"""
import os
import re
import subprocess
import sys
import tempfile

import gguf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from random_llama_gguf import add_random_llama_tensors  # noqa: E402

hfserve, testdata = sys.argv[1], sys.argv[2]
LAYERS, HIDDEN, HEADS, FFN, VOCAB = 6, 1024, 16, 2816, 8192
# Small engine buffers, so that what the run adds above the baseline is the weights.
# Q4_K's VNNI layout holds a 16-row super-block in 2368 bytes where the file holds it in
# 2304 (src/kernels/packed_quant_avx512vnni.cc); on other CPUs the bound is that much looser.
LAYOUT_GROWTH = {"Q4_K": 2368 / 2304}
RUN = ["--prompt-ids", "1,2,3", "-n", "4", "--kv_cache_memory", "8MiB", "--max_model_len",
       "64", "--max_num_batched_tokens", "64", "--threads", "2"]


def write_model(path, qtype):
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_context_length(64)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_vocab_size(VOCAB)
    add_random_llama_tensors(writer, qtype, layers=LAYERS, hidden=HIDDEN, heads=HEADS,
                             kv_heads=HEADS, head_dim=HIDDEN // HEADS, ffn=FFN, vocab=VOCAB)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def rss_after_load(model):
    """The resident memory of `hfserve generate` once its model is loaded, in bytes, from
    the line hfserve logs then. (Not the child's rusage: a forked child's peak counts this
    Python process's memory from before the exec.)"""
    run = subprocess.run([hfserve, "--log_level", "info", "generate", model, *RUN],
                         capture_output=True, text=True)
    found = re.search(r"resident memory after load ([\d.]+) MiB", run.stderr)
    if run.returncode != 0 or not found:
        sys.exit(f"weight_memory_check: hfserve generate {model} exited {run.returncode} "
                 f"without its resident-memory line:\n{run.stderr}")
    return float(found.group(1)) * 2**20


baseline = rss_after_load(os.path.join(testdata, "stories260K", "stories260K-f32.gguf"))
problems = []
with tempfile.TemporaryDirectory() as folder:
    f16 = os.path.join(folder, "model-F16.gguf")
    write_model(f16, gguf.GGMLQuantizationType.F16)
    models = {"F16": f16}
    for qtype in (gguf.GGMLQuantizationType.Q4_0, gguf.GGMLQuantizationType.Q8_0):
        models[qtype.name] = os.path.join(folder, f"model-{qtype.name}.gguf")
        write_model(models[qtype.name], qtype)
    # gguf-py has no Q4_K quantiser; hfserve's writes what llama.cpp's does.
    models["Q4_K"] = os.path.join(folder, "model-Q4_K.gguf")
    subprocess.run([hfserve, "--log_level", "warn", "quantize", f16, models["Q4_K"], "--type",
                    "Q4_K"], check=True)
    for name, path in models.items():
        size = os.path.getsize(path)
        rss = rss_after_load(path)
        extra = rss - baseline
        print(f"{name}: file {size / 2**20:.1f} MiB, RSS after load {rss / 2**20:.1f} MiB, "
              f"{extra / 2**20:.1f} MiB above the baseline's {baseline / 2**20:.1f} MiB "
              f"({extra / size:.2f}x the file)")
        if extra > 1.05 * LAYOUT_GROWTH.get(name, 1.0) * size:
            problems.append(f"{name}: {extra / size:.2f}x the file's size above the baseline")
for problem in problems:
    print("weight_memory_check:", problem, file=sys.stderr)
sys.exit(1 if problems else 0)
