"""Writes model folders (config.json, generation_config.json) for each architecture family
and what transformers' AutoConfig / GenerationConfig make of them, for
tests/formats/model_config_test.cc.

Usage: config_reference.py OUTDIR
Writes OUTDIR/<case>/config.json (+ generation_config.json) and OUTDIR/expected.json;
the T5 configs (T5Config's own text: t5-small's v1.0 and flan-t5-small's v1.1 sizes, and
T5Config's defaults) in OUTDIR/t5_<case>/ with what T5Config reads back in
OUTDIR/t5_expected.json.
"""
import json
import os
import sys
import warnings

os.environ["TRANSFORMERS_VERBOSITY"] = "error"
os.environ["TRANSFORMERS_NO_ADVISORY_WARNINGS"] = "1"
warnings.filterwarnings("ignore")
from pathlib import Path

from transformers import (AutoConfig, BertConfig, DistilBertConfig, GenerationConfig,
                          RobertaConfig, T5Config, XLMRobertaConfig)

out = Path(sys.argv[1])
CASES = {
    "llama3": ({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
        "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
        "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 131072,
        "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "hidden_act": "silu",
        "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "tie_word_embeddings": False, "torch_dtype": "bfloat16", "bos_token_id": 128000,
        "eos_token_id": [128001, 128008, 128009], "attention_bias": False, "mlp_bias": False,
        "pretraining_tp": 1, "some_future_field": {"x": 1}},
        {"bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "do_sample": True,
         "temperature": 0.6, "top_p": 0.9}),
    "qwen2": ({
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936,
        "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
        "num_attention_heads": 14, "num_key_value_heads": 2, "max_position_embeddings": 32768,
        "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
        "use_sliding_window": False, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "bos_token_id": 151643, "eos_token_id": 151645,
        "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}},
        {"eos_token_id": [151645, 151643], "pad_token_id": 151643, "top_k": 20,
         "repetition_penalty": 1.1}),
    "qwen3": ({
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": 151936,
        "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28,
        "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
        "max_position_embeddings": 40960, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "attention_bias": False, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "rope_scaling": None, "sliding_window": None, "use_sliding_window": False}, None),
    "mistral": ({
        "architectures": ["MistralForCausalLM"], "model_type": "mistral", "vocab_size": 32000,
        "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
        "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 32768,
        "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
        "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 2,
        "rope_scaling": {"rope_type": "linear", "factor": 2.0}}, None),
    "tinyllama_dynamic": ({
        "model_type": "llama", "vocab_size": 32000, "hidden_size": 2048,
        "intermediate_size": 5632, "num_hidden_layers": 22, "num_attention_heads": 32,
        "num_key_value_heads": 4, "max_position_embeddings": 2048,
        "rope_scaling": {"type": "dynamic", "factor": 2.0}}, None),
    "gpt2": ({
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 50257,
        "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024, "n_ctx": 1024,
        "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05, "bos_token_id": 50256,
        "eos_token_id": 50256}, None),
    "bert_classifier": ({
        "architectures": ["BertForSequenceClassification"], "model_type": "bert",
        "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
        "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu",
        "max_position_embeddings": 512, "layer_norm_eps": 1e-12, "type_vocab_size": 2,
        "pad_token_id": 0, "id2label": {"0": "NEGATIVE", "1": "NEUTRAL", "2": "POSITIVE"},
        "label2id": {"NEGATIVE": 0, "NEUTRAL": 1, "POSITIVE": 2}}, None),
}
# Encoders as their config classes write config.json (save_pretrained's text), with the
# sizes of real checkpoints.
for name, config in {
    "roberta_classifier": RobertaConfig(
        architectures=["RobertaForSequenceClassification"], vocab_size=50265,
        max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5, num_labels=1,
        problem_type="regression"),
    "xlm_roberta_masked_lm": XLMRobertaConfig(
        architectures=["XLMRobertaForMaskedLM"], vocab_size=250002, max_position_embeddings=514,
        type_vocab_size=1, layer_norm_eps=1e-5, hidden_act="gelu_new"),
    "distilbert_classifier": DistilBertConfig(
        architectures=["DistilBertForSequenceClassification"], vocab_size=30522, dim=768,
        n_layers=6, n_heads=12, hidden_dim=3072, activation="gelu", sinusoidal_pos_embds=False,
        seq_classif_dropout=0.2, id2label={0: "NEGATIVE", 1: "POSITIVE"},
        problem_type="single_label_classification"),
    "bert_token_classifier": BertConfig(
        architectures=["BertForTokenClassification"], hidden_size=384, num_hidden_layers=6,
        num_attention_heads=12, intermediate_size=1536, type_vocab_size=2,
        id2label={i: f"L{i}" for i in range(9)}, problem_type="multi_label_classification"),
}.items():
    CASES[name] = (json.loads(config.to_json_string()), None)

expected = {}
for name, (config, generation) in CASES.items():
    folder = out / name
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    if generation is not None:
        (folder / "generation_config.json").write_text(json.dumps(generation, indent=2))
    c = AutoConfig.from_pretrained(str(folder))
    text = c.get_text_config() if hasattr(c, "get_text_config") else c
    heads = c.num_attention_heads
    kv = getattr(c, "num_key_value_heads", None) or heads
    eos = c.eos_token_id if isinstance(c.eos_token_id, list) else (
        [] if c.eos_token_id is None else [c.eos_token_id])
    rope = getattr(c, "rope_scaling", None)
    e = {
        "model_type": c.model_type, "vocab_size": c.vocab_size, "hidden_size": c.hidden_size,
        "num_hidden_layers": c.num_hidden_layers, "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "head_dim": getattr(c, "head_dim", None) or c.hidden_size // heads,
        "max_position_embeddings": c.max_position_embeddings,
        "intermediate_size": (c.n_inner or 4 * c.n_embd) if c.model_type == "gpt2" else (
            c.hidden_dim if c.model_type == "distilbert" else c.intermediate_size),
        "tie_word_embeddings": c.tie_word_embeddings,
        "rope_theta": getattr(c, "rope_theta", 10000.0),
        "rope_type": (rope.get("rope_type") or rope.get("type")) if rope else None,
        "rope_factor": rope.get("factor") if rope else None,
        "sliding_window": getattr(c, "sliding_window", None),
        "torch_dtype": str(c.torch_dtype).replace("torch.", "") if c.torch_dtype is not None else "",
        "bos_token_id": c.bos_token_id, "eos_token_ids": eos, "pad_token_id": c.pad_token_id,
        "norm_eps": getattr(c, "rms_norm_eps", None) or getattr(c, "layer_norm_eps", None)
                    or getattr(c, "layer_norm_epsilon", None)
                    # DistilBERT's modeling code fixes its LayerNorms' eps; the config has none.
                    or (1e-12 if c.model_type == "distilbert" else None),
        "attention_bias": getattr(c, "attention_bias", None),
        "id2label": {str(k): v for k, v in c.id2label.items()} if "id2label" in config else None,
        "num_labels": c.num_labels, "problem_type": c.problem_type,
        "hidden_act": getattr(c, "hidden_act", None) or getattr(c, "activation", None)
                      or getattr(c, "activation_function", None),
        "type_vocab_size": getattr(c, "type_vocab_size", None),
        "position_embedding_type": getattr(c, "position_embedding_type", None),
    }
    if generation is not None:
        g = GenerationConfig.from_pretrained(str(folder))
        e["generation"] = {"temperature": g.temperature, "top_p": g.top_p, "top_k": g.top_k,
                           "do_sample": g.do_sample, "repetition_penalty": g.repetition_penalty,
                           "eos_token_id": g.eos_token_id, "pad_token_id": g.pad_token_id}
    expected[name] = e
(out / "expected.json").write_text(json.dumps(expected, indent=1))

# T5 as T5Config writes it (to_json_string: every field), read back by AutoConfig.
T5_CASES = {
    "t5_small": T5Config(architectures=["T5ForConditionalGeneration"], vocab_size=32128,
                         d_model=512, d_kv=64, d_ff=2048, num_layers=6, num_heads=8,
                         feed_forward_proj="relu", decoder_start_token_id=0, n_positions=512),
    "flan_t5_small": T5Config(architectures=["T5ForConditionalGeneration"], vocab_size=32128,
                              d_model=512, d_kv=64, d_ff=1024, num_layers=8,
                              num_decoder_layers=8, num_heads=6, feed_forward_proj="gated-gelu",
                              tie_word_embeddings=False, decoder_start_token_id=0),
    "t5_defaults": T5Config(),
}
t5_expected = {}
for name, config in T5_CASES.items():
    folder = out / ("t5_" + name)
    folder.mkdir()
    (folder / "config.json").write_text(config.to_json_string())
    c = AutoConfig.from_pretrained(str(folder))
    t5_expected["t5_" + name] = {
        "vocab_size": c.vocab_size, "d_model": c.d_model, "d_kv": c.d_kv, "d_ff": c.d_ff,
        "num_layers": c.num_layers, "num_decoder_layers": c.num_decoder_layers,
        "num_heads": c.num_heads, "buckets": c.relative_attention_num_buckets,
        "max_distance": c.relative_attention_max_distance, "act": c.dense_act_fn,
        "gated": c.is_gated_act, "eps": c.layer_norm_epsilon,
        "tie_word_embeddings": c.tie_word_embeddings, "eos_token_id": c.eos_token_id,
        "pad_token_id": c.pad_token_id, "decoder_start_token_id": c.decoder_start_token_id,
        "n_positions": getattr(c, "n_positions", None),
        "architecture": (c.architectures or ["t5"])[0]}
(out / "t5_expected.json").write_text(json.dumps(t5_expected, indent=1))
