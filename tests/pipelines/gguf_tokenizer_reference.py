#!/usr/bin/env python3
"""Expected outputs of transformers' own GGUF tokenizer conversion, for the C++ test.

usage: gguf_tokenizer_reference.py GGUF_FILE CORPUS_JSON OUT_JSON

Loads AutoTokenizer.from_pretrained(folder, gguf_file=name) and, for every string of
tests/tokenizer/corpus.json plus a few chat-markup and code strings below (raw bytes,
decoded with errors="replace" as Python callers do), writes the ids with and without
special tokens and the decode of the ids keeping and skipping special tokens (without
transformers' clean_up_tokenization_spaces, which is not part of the tokenizer).

transformers' conversion drops the pre-tokenizer that tokenizer.ggml.pre names and splits
with GPT-2's regex alone. For "smollm" (SmolLM2's own tokenizer.json: Digits with
individual_digits, then ByteLevel) that merges a space with a following non-ASCII numeral
("٣", "①") that the model's tokenizer.json and llama.cpp keep apart, so the
reference puts the model's pre-tokenizer back; nothing else is changed.
"""
import json
import os
import sys

import gguf
import transformers.modeling_gguf_pytorch_utils as gguf_utils
from tokenizers import pre_tokenizers
from transformers import AutoTokenizer

# transformers insists on PyTorch before reading a GGUF, but the tokenizer needs only the
# metadata (return_tensors=False), which it reads with the gguf package.
gguf_utils.is_torch_available = lambda: True

EXTRA = [
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM.<|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<repo_name>hf/hfserve<file_sep>src/main.cc\nint main() { return 0; }",
    "12345678901234567890 and 3.14159265358979 and 1e-10",
    "    indented\n        more\n\t\ttabs  \n\n\n",
    "<|im_end|><|im_end|>adjacent<|im_start|><|im_start|>",
    "multiple   spaces    and\u00a0nbsp\u3000ideographic",
    "Ünïcödé 日本語 한국어 русский العربية हिन्दी 🤗🚀👨‍👩‍👧‍👦",
]


def main():
    gguf_path, corpus_path, out_path = sys.argv[1:4]
    tok = AutoTokenizer.from_pretrained(os.path.dirname(gguf_path),
                                        gguf_file=os.path.basename(gguf_path))
    pre = gguf.GGUFReader(gguf_path).fields["tokenizer.ggml.pre"].contents()
    if pre != "smollm":
        sys.exit(f"expected a SmolLM2 GGUF (tokenizer.ggml.pre = smollm), found {pre!r}")
    tok.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    with open(corpus_path) as f:
        texts = [bytes.fromhex(h) for h in json.load(f)["hex"]]
    texts += [t.encode() for t in EXTRA]
    results = []
    for raw in texts:
        text = raw.decode("utf-8", errors="replace")
        ids = tok.encode(text, add_special_tokens=False)
        results.append({
            "hex": raw.hex(),
            "ids": ids,
            "ids_special": tok.encode(text, add_special_tokens=True),
            "decode": tok.decode(ids, skip_special_tokens=False,
                                 clean_up_tokenization_spaces=False),
            "decode_skip": tok.decode(ids, skip_special_tokens=True,
                                      clean_up_tokenization_spaces=False),
        })
    with open(out_path, "w") as f:
        json.dump({"results": results}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
