"""Writes the decoder references: small random causal LMs of every architecture hfserve
runs, saved by transformers, and what transformers computes with them, for
decoder_test.cc.

Usage: decoder_reference.py OUT_DIR

One folder per case, each with expected.json: a prompt, the logits of its last token,
and 24 greedy tokens from generate(). Weights are drawn larger than the configs'
initializer_range, so that a wrong transpose, split, norm or rotation shows.
  llama           LlamaForCausalLM, grouped-query attention (4 heads, 2 KV heads)
  llama3_scaled   the same with Llama 3.1's rope_scaling and tied embeddings
  mistral         MistralForCausalLM with a sliding window of 8 (the prompt is longer)
  qwen2           Qwen2ForCausalLM (biases on q, k and v)
  qwen3           Qwen3ForCausalLM (RMSNorm on each query and key head)
  qwen2_yarn      Qwen2 with YaRN rope_scaling (factor 4 over an original 64 positions)
  llama_yarn_mscale  Llama with DeepSeek's YaRN attention factor (mscale, mscale_all_dim)
  llama31_gguf    a Llama 3.1-shaped model (Llama 3's tokenizer from testdata, llama3 rope
                  scaling, tied embeddings) converted to model.gguf (F32) by llama.cpp's
                  own convert_hf_to_gguf.py, which writes the scaling as rope_freqs.weight
  qwen2_yarn_gguf the same for Qwen2 with YaRN (Qwen3's tokenizer), which the converter
                  writes as {arch}.rope.scaling.* keys
  gpt2_gguf       the same for GPT-2 (its own tokenizer): Conv1D weights stored transposed,
                  c_attn as attn_qkv
  gpt2_lm         GPT2LMHeadModel as save_pretrained writes it ("transformer." names)
  gpt2_bare       the Hub gpt2 checkpoints' layout: GPT2Model names, no lm_head
  gpt2_f16        GPT-2 saved in float16
"""
import json
import os
import shutil
import subprocess
import sys

import torch
import transformers
from safetensors.torch import save_file

OUT = sys.argv[1]
PROMPT = [5, 17, 250, 3, 3, 99, 142, 7, 0, 211, 64, 31, 8]


def expected(model):
    ids = torch.tensor([PROMPT])
    with torch.no_grad():
        logits = model(ids).logits[0, -1].float()
        greedy = model.generate(ids, max_new_tokens=24, do_sample=False, num_beams=1,
                                pad_token_id=0, eos_token_id=None,
                                attention_mask=torch.ones_like(ids))[0, len(PROMPT):]
    return {"prompt": PROMPT, "logits": logits.tolist(), "greedy": greedy.tolist()}


def randomise(model, std):
    torch.manual_seed(0)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "norm" in name or name.endswith("ln_1.weight") or name.endswith("ln_2.weight"):
                parameter.normal_(1, 0.1)  # norms around 1, as trained ones are
            else:
                parameter.normal_(0, std)
    return model.eval()


def write(name, model, state=None):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    if state is None:
        model.save_pretrained(folder, safe_serialization=True)
    else:
        save_file(state, os.path.join(folder, "model.safetensors"))
        model.config.save_pretrained(folder)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected(model.float()), f)


def llama_like(config_class, model_class, **extra):
    config = config_class(vocab_size=300, hidden_size=64, intermediate_size=96,
                          num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                          max_position_embeddings=128, bos_token_id=0, eos_token_id=0,
                          attn_implementation="eager", **extra)
    return randomise(model_class(config), 0.15)


def main():
    T = transformers
    write("llama", llama_like(T.LlamaConfig, T.LlamaForCausalLM))
    write("llama3_scaled", llama_like(
        T.LlamaConfig, T.LlamaForCausalLM, tie_word_embeddings=True, rope_theta=500000.0,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 16}))
    write("mistral", llama_like(T.MistralConfig, T.MistralForCausalLM, sliding_window=8))
    write("qwen2", llama_like(T.Qwen2Config, T.Qwen2ForCausalLM))
    write("qwen3", llama_like(T.Qwen3Config, T.Qwen3ForCausalLM, head_dim=16))
    write("qwen2_yarn", llama_like(
        T.Qwen2Config, T.Qwen2ForCausalLM, rope_theta=10000.0,
        rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 64}))
    write("llama_yarn_mscale", llama_like(
        T.LlamaConfig, T.LlamaForCausalLM,
        rope_scaling={"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 16,
                      "beta_fast": 16, "beta_slow": 2, "mscale": 0.707, "mscale_all_dim": 1.0}))

    write_converted_cases()

    config = T.GPT2Config(vocab_size=300, n_embd=64, n_layer=3, n_head=4, n_positions=64,
                          bos_token_id=0, eos_token_id=0)
    gpt2 = randomise(T.GPT2LMHeadModel(config), 0.2)
    write("gpt2_lm", gpt2)
    bare = {k[len("transformer."):]: v.contiguous() for k, v in gpt2.state_dict().items()
            if k.startswith("transformer.") and not k.endswith((".attn.bias", ".attn.masked_bias"))}
    write("gpt2_bare", gpt2, bare)
    # The reference computes from the same float16 weights, in float32.
    write("gpt2_f16", gpt2.to(torch.float16))


def write_converted(name, model, tokenizer):
    """Saves `model` with a real tokenizer from testdata, converts it to model.gguf (F32)
    with llama.cpp's own convert_hf_to_gguf.py, and keeps only the GGUF."""
    import llama_cpp
    folder = os.path.join(OUT, name)
    source = os.path.join(folder, "hf")
    model.save_pretrained(source, safe_serialization=True)
    tokenizer = os.path.join(os.environ["HFSERVE_TESTDATA"], "tokenizers", tokenizer)
    for file in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tokenizer, file), source)
    converter = os.path.join(os.path.dirname(os.path.dirname(llama_cpp.__file__)), "bin",
                             "convert_hf_to_gguf.py")
    subprocess.run([sys.executable, converter, source, "--outtype", "f32", "--outfile",
                    os.path.join(folder, "model.gguf")], check=True, capture_output=True)
    shutil.rmtree(source)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected(model), f)


def write_converted_cases():
    T = transformers
    small = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                 tie_word_embeddings=True, attn_implementation="eager")
    llama31 = T.LlamaConfig(
        vocab_size=128256, rope_theta=500000.0, bos_token_id=128000, eos_token_id=128001,
        # The real Llama 3.1 values: the converter reads original_max_position_embeddings
        # from the top level of config.json only, so its 8192 default must be the truth.
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
        **small)
    write_converted("llama31_gguf", randomise(T.LlamaForCausalLM(llama31), 0.15), "llama3")
    qwen2 = T.Qwen2Config(
        vocab_size=151936, rope_theta=10000.0, bos_token_id=151643, eos_token_id=151645,
        rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 64},
        **small)
    write_converted("qwen2_yarn_gguf", randomise(T.Qwen2ForCausalLM(qwen2), 0.15), "qwen3")
    # The converter reads the context length from n_ctx, which the Hub's gpt2 config has.
    gpt2 = T.GPT2Config(vocab_size=50257, n_embd=64, n_layer=2, n_head=4, n_positions=64,
                        n_ctx=64, bos_token_id=50256, eos_token_id=50256)
    write_converted("gpt2_gguf", randomise(T.GPT2LMHeadModel(gpt2), 0.2), "gpt2")


if __name__ == "__main__":
    main()
