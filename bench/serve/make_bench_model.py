"""The 0.5B-shaped model bench/serve (Q8_0) and bench/decode (F16, then quantised by
llama.cpp) measure: Qwen2.5-0.5B's transformer blocks
(24 layers, hidden 896, 14 query heads and 2 KV heads of 64, FFN 4864, tied embeddings)
with random weights, under the demo model's tokenizer and chat template (its
`tokenizer.*` metadata copied), written as a llama-architecture GGUF in F16 or Q8_0
(gguf-py's quantizer). Speed depends on the shapes and the quantization, not on what the weights
say, so the bench needs no 500 MB download.

usage: make_bench_model.py DEMO_GGUF OUT_GGUF [Q8_0|F16]
"""
import os
import sys

import gguf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "support"))
from random_llama_gguf import add_random_llama_tensors  # noqa: E402

LAYERS, HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN = 24, 896, 14, 2, 64, 4864
Q8_0 = gguf.GGMLQuantizationType.Q8_0


def copy_tokenizer(reader, writer):
    for name, field in reader.fields.items():
        if not name.startswith("tokenizer."):
            continue
        kind = field.types[0]
        if kind == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(name, field.contents(), kind, sub_type=field.types[-1])
        else:
            writer.add_key_value(name, field.contents(), kind)
    return len(reader.fields["tokenizer.ggml.tokens"].contents())


def main():
    demo, out = sys.argv[1:3]
    f16 = len(sys.argv) > 3 and sys.argv[3] == "F16"
    writer = gguf.GGUFWriter(out + ".part", "llama")
    writer.add_name("hfserve bench 0.5B-shaped (random weights)")
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.MOSTLY_Q8_0)
    writer.add_context_length(4096)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_rope_freq_base(1e6)
    writer.add_layer_norm_rms_eps(1e-6)
    vocab = copy_tokenizer(gguf.GGUFReader(demo), writer)

    add_random_llama_tensors(writer, gguf.GGMLQuantizationType.F16 if f16 else Q8_0,
                             layers=LAYERS, hidden=HIDDEN, heads=HEADS, kv_heads=KV_HEADS,
                             head_dim=HEAD_DIM, ffn=FFN, vocab=vocab)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    # Renamed only when complete, so an interrupted run never leaves a file that looks done.
    os.replace(out + ".part", out)


if __name__ == "__main__":
    main()
