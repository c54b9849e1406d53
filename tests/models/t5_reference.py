#!/usr/bin/env python3
"""Small random T5 models and what transformers computes with them, for
tests/models/t5_test.cc and tests/server/text2text_api_check.py.

usage: t5_reference.py OUTDIR

Writes two T5ForConditionalGeneration folders (save_pretrained: safetensors, float32):
  OUTDIR/t5_v1_0: feed_forward_proj "relu", tied embeddings (the decoder output scaled by
                  d_model**-0.5 before the shared projection), as t5-small;
  OUTDIR/t5_v1_1: "gated-gelu" (gelu_new), untied lm_head, as T5 v1.1 and flan-t5;
each with d_model 64, 4 heads, d_kv 16 (8 in v1.1, so n_heads * d_kv differs from d_model),
2 encoder and 2 decoder layers (3 encoder layers in v1.1: transformers' generate() sizes
its cache by num_layers, so the decoder may not be the deeper one), every parameter drawn
at random. Each folder gets a
T5-style tokenizer.json derived from the real XLNet SentencePiece Unigram vocabulary in
shared/testdata (there is no T5 tokenizer there): <pad> 0, </s> 1, <unk> 2 as T5 numbers
them, the post-processor appends </s> as T5's does; everything else as XLNet's file.

OUTDIR/expected.json:
  {"buckets": {"<num_buckets>_<max_distance>_<bidirectional>": [bucket of relative
               position r for r in -300..300]},
   "cases": [{"dir", "inputs": [[ids]] (the encoder's, each ending in </s>),
              "texts": [str] (the texts the inputs were tokenized from),
              "encoder_hidden": [[floats]] per input (tokens x d_model, after the final norm),
              "decoder_inputs": [[ids]] per input (starting with decoder_start_token_id),
              "logits": [[floats]] per input (decoder tokens x vocab),
              "greedy": [[ids]] per input (generate(): num_beams 1, no sampling,
                        max_new_tokens 16, without the start token),
              "greedy_text": [str] (tokenizer.decode(greedy, skip_special_tokens=True))}]}
"""
import json
import os
import sys
import warnings

os.environ["TRANSFORMERS_VERBOSITY"] = "error"
warnings.filterwarnings("ignore")

import torch
from tokenizers import Tokenizer
from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration
from transformers.models.t5.modeling_t5 import T5Attention

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))
XLNET = os.path.join(HERE, "..", "..", "..", "shared", "testdata", "tokenizers",
                     "xlnet-base-cased", "tokenizer.json")
if not os.path.exists(XLNET):
    XLNET = "/work/shared/testdata/tokenizers/xlnet-base-cased/tokenizer.json"


def t5_tokenizer_json():
    with open(XLNET, encoding="utf-8") as f:
        spec = json.load(f)
    specials = {t["content"] for t in spec["added_tokens"]}
    rest = [piece for piece in spec["model"]["vocab"] if piece[0] not in specials]
    spec["model"]["vocab"] = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]] + rest
    spec["model"]["unk_id"] = 2
    spec["added_tokens"] = [
        {"id": i, "special": True, "content": c, "single_word": False, "lstrip": False,
         "rstrip": False, "normalized": False} for i, c in enumerate(["<pad>", "</s>", "<unk>"])]
    spec["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "</s>", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 0}},
                 {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}}
    # Through the library once, so the file is in its current format.
    return Tokenizer.from_str(json.dumps(spec)).to_str()


tokenizer_text = t5_tokenizer_json()
VOCAB = Tokenizer.from_str(tokenizer_text).get_vocab_size()
TEXTS = ["translate English to German: The house is wonderful.",
         "summarize: studies have shown that owning a dog is good for you",
         "Hello",
         "A longer input, with punctuation; numbers 12345 and words repeated repeated "
         "repeated to reach past the exact relative-position buckets of the encoder."]

SIZES = dict(vocab_size=VOCAB, d_model=64, d_kv=16, num_heads=4, num_layers=2,
             relative_attention_num_buckets=32, relative_attention_max_distance=128,
             pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
CONFIGS = {
    "t5_v1_0": T5Config(d_ff=128, feed_forward_proj="relu", tie_word_embeddings=True, **SIZES),
    "t5_v1_1": T5Config(d_ff=96, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                        num_decoder_layers=2, layer_norm_epsilon=1e-6,
                        **{k: v for k, v in SIZES.items() if k not in ("d_kv", "num_layers")},
                        num_layers=3),
}
CONFIGS["t5_v1_1"].d_kv = 8  # n_heads * d_kv = 32, not d_model


def randomise(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif "relative_attention_bias" in name:
                p.copy_(torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))


buckets = {}
for bidirectional in (True, False):
    for nb, md in ((32, 128), (16, 20)):
        r = torch.arange(-300, 301)
        b = T5Attention._relative_position_bucket(r, bidirectional=bidirectional,
                                                  num_buckets=nb, max_distance=md)
        buckets[f"{nb}_{md}_{int(bidirectional)}"] = b.tolist()

cases = []
for name, config in CONFIGS.items():
    model = T5ForConditionalGeneration(config).eval()
    randomise(model)
    folder = os.path.join(out, name)
    model.save_pretrained(folder, safe_serialization=True)
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tokenizer_text)
    tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(folder, "tokenizer.json"),
                                  eos_token="</s>", pad_token="<pad>", unk_token="<unk>")
    tok.save_pretrained(folder)
    gen = torch.Generator().manual_seed(2)
    case = {"dir": name, "inputs": [], "texts": TEXTS, "encoder_hidden": [],
            "decoder_inputs": [], "logits": [], "greedy": [], "greedy_text": []}
    with torch.no_grad():
        for text in TEXTS:
            ids = tok(text)["input_ids"]
            assert ids[-1] == 1
            n_dec = int(torch.randint(1, 9, (1,), generator=gen))
            dec = [0] + torch.randint(3, VOCAB, (n_dec,), generator=gen).tolist()
            result = model(input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([dec]))
            generated = model.generate(torch.tensor([ids]), num_beams=1, do_sample=False,
                                       max_new_tokens=16)[0].tolist()
            assert generated[0] == 0
            case["inputs"].append(ids)
            case["encoder_hidden"].append(result.encoder_last_hidden_state[0].flatten().tolist())
            case["decoder_inputs"].append(dec)
            case["logits"].append(result.logits[0].flatten().tolist())
            case["greedy"].append(generated[1:])
            case["greedy_text"].append(tok.decode(generated, skip_special_tokens=True))
    cases.append(case)

with open(os.path.join(out, "expected.json.tmp"), "w") as f:
    json.dump({"buckets": buckets, "cases": cases}, f)
os.replace(os.path.join(out, "expected.json.tmp"), os.path.join(out, "expected.json"))
