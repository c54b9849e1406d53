"""The tensors of a Llama-architecture GGUF with random weights, for tests and benchmarks
that need a model of given shapes and not what its weights say: token embeddings (tied:
no output.weight) and every block's attention and FFN matrices drawn from a normal
distribution times 0.02, in F16 or quantised by gguf-py's own quantiser, with unit RMS
norms. The caller writes the header keys (shapes, RoPE, tokenizer) it needs."""
import gguf
import numpy as np


def add_random_llama_tensors(writer, qtype, *, layers, hidden, heads, kv_heads, head_dim, ffn,
                             vocab, seed=0):
    rng = np.random.default_rng(seed)

    def matrix(name, rows, cols):
        weights = rng.standard_normal((rows, cols), dtype=np.float32) * 0.02
        if qtype == gguf.GGMLQuantizationType.F16:
            writer.add_tensor(name, weights.astype(np.float16))
        else:
            writer.add_tensor(name, gguf.quants.quantize(weights, qtype), raw_dtype=qtype)

    def norm(name):
        writer.add_tensor(name, np.ones(hidden, dtype=np.float32))

    matrix("token_embd.weight", vocab, hidden)
    for i in range(layers):
        norm(f"blk.{i}.attn_norm.weight")
        matrix(f"blk.{i}.attn_q.weight", heads * head_dim, hidden)
        matrix(f"blk.{i}.attn_k.weight", kv_heads * head_dim, hidden)
        matrix(f"blk.{i}.attn_v.weight", kv_heads * head_dim, hidden)
        matrix(f"blk.{i}.attn_output.weight", hidden, heads * head_dim)
        norm(f"blk.{i}.ffn_norm.weight")
        matrix(f"blk.{i}.ffn_gate.weight", ffn, hidden)
        matrix(f"blk.{i}.ffn_up.weight", ffn, hidden)
        matrix(f"blk.{i}.ffn_down.weight", hidden, ffn)
    norm("output_norm.weight")
