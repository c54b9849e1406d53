"""Writes the GPT-2 reference: small random GPT2LMHeadModels saved by transformers, and what
transformers computes with them, for gpt2_test.cc.

Usage: gpt2_reference.py OUT_DIR

Three folders: `lm` (GPT2LMHeadModel as save_pretrained writes it, "transformer." names,
F32), `bare` (the layout of the Hub's gpt2 checkpoints: GPT2Model names without the prefix
and no lm_head), `f16` (the same model saved in float16). Each has expected.json: a prompt,
the logits of its last token, and 24 greedy tokens from generate().
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

OUT = sys.argv[1]
PROMPT = [5, 17, 250, 3, 3, 99, 142, 7, 0, 211]


def expected(model, dtype):
    model = model.to(dtype)
    ids = torch.tensor([PROMPT])
    with torch.no_grad():
        logits = model(ids).logits[0, -1].float()
        greedy = model.generate(ids, max_new_tokens=24, do_sample=False, num_beams=1,
                                pad_token_id=0, eos_token_id=None,
                                attention_mask=torch.ones_like(ids))[0, len(PROMPT):]
    return {"prompt": PROMPT, "logits": logits.tolist(), "greedy": greedy.tolist()}


def main():
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=300, n_embd=64, n_layer=3, n_head=4,
                                     n_positions=64, bos_token_id=0, eos_token_id=0)
    model = transformers.GPT2LMHeadModel(config).eval()
    # Larger than initializer_range's 0.02, so that a wrong transpose or split shows.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0, 0.2)
    for name in ["lm", "bare", "f16"]:
        os.makedirs(os.path.join(OUT, name), exist_ok=True)
    model.save_pretrained(os.path.join(OUT, "lm"), safe_serialization=True)
    with open(os.path.join(OUT, "lm", "expected.json"), "w") as f:
        json.dump(expected(model, torch.float32), f)

    bare = {k[len("transformer."):]: v.contiguous() for k, v in model.state_dict().items()
            if k.startswith("transformer.") and not k.endswith(".attn.bias")
            and not k.endswith(".attn.masked_bias")}
    save_file(bare, os.path.join(OUT, "bare", "model.safetensors"))
    config.save_pretrained(os.path.join(OUT, "bare"))
    with open(os.path.join(OUT, "bare", "expected.json"), "w") as f:
        json.dump(expected(model, torch.float32), f)

    half = model.to(torch.float16)
    half.save_pretrained(os.path.join(OUT, "f16"), safe_serialization=True)
    # The reference computes from the same float16 weights, in float32.
    with open(os.path.join(OUT, "f16", "expected.json"), "w") as f:
        json.dump(expected(half, torch.float32), f)


if __name__ == "__main__":
    main()
