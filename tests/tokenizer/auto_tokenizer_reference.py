#!/usr/bin/env python3
"""Expected outputs of transformers' AutoTokenizer, for tests/tokenizer/pretrained_test.

usage: auto_tokenizer_reference.py TOKENIZER_DIR CORPUS_JSON OUT_DIR [VARIANT]

Copies TOKENIZER_DIR's tokenizer.json and tokenizer_config.json into OUT_DIR, the
config updated by VARIANT (VARIANTS below: options no config of the test data sets; a
variant may add a config.json),
loads OUT_DIR with AutoTokenizer.from_pretrained and writes OUT_DIR/expected.json:
for every corpus string (raw bytes decoded with errors="replace") and the clean-up
strings below, the ids of tokenizer(text) and tokenizer(text, second) (the next
string, or "second" when that is empty) and
tokenizer.decode of the first, keeping and skipping special tokens; and
model_max_length.
"""
import json
import os
import shutil
import sys
import warnings

warnings.filterwarnings("ignore")
from transformers import AutoTokenizer  # noqa: E402

CONFIG_JSON = "config.json"  # a variant's config.json, written beside the tokenizer files

VARIANTS = {
    "add_eos": {"add_eos_token": True},
    "eos_only": {"add_bos_token": False, "add_eos_token": True},
    "llama_class": {"tokenizer_class": "LlamaTokenizerFast", "add_bos_token": True, "add_eos_token": True},
    "prefix_space": {"add_prefix_space": True},
    "neox_class": {"tokenizer_class": "GPTNeoXTokenizerFast", "bos_token": "<|endoftext|>",
                   "eos_token": {"content": "<|im_end|>", "__type": "AddedToken"}, "add_eos_token": True},
    "clean_up": {"clean_up_tokenization_spaces": True},
    "cased": {"tokenizer_class": "BertTokenizer", "do_lower_case": False},
    "strip_accents": {"tokenizer_class": "BertTokenizerFast", "strip_accents": True,
                      "tokenize_chinese_chars": False},
    "keep_accents": {"tokenizer_class": "DistilBertTokenizer", "strip_accents": False},
    # No tokenizer_class: AutoTokenizer takes the class of config.json's model_type.
    "cased_by_model_type": {"do_lower_case": False, CONFIG_JSON: {"model_type": "electra"}},
}

# Text whose decode the clean-up changes.
CLEAN_UP = ["Hello , world . Is it ? Yes ! I do n't know , he 's ok ' quoted ' I 'm , we 've , they 're .",
            "a . . b ,, c ' ' d n't's"]


def main():
    source, corpus_path, out_dir = sys.argv[1:4]
    variant = sys.argv[4] if len(sys.argv) > 4 else ""
    os.makedirs(out_dir, exist_ok=True)
    shutil.copy(os.path.join(source, "tokenizer.json"), out_dir)
    with open(os.path.join(source, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    config.update(VARIANTS.get(variant, {}))
    model_config = config.pop(CONFIG_JSON, None)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f)
    if model_config is not None:
        with open(os.path.join(out_dir, CONFIG_JSON), "w", encoding="utf-8") as f:
            json.dump(model_config, f)
    tok = AutoTokenizer.from_pretrained(out_dir)
    with open(corpus_path, encoding="utf-8") as f:
        texts = [bytes.fromhex(h).decode("utf-8", errors="replace") for h in json.load(f)["hex"]]
    texts += CLEAN_UP
    results = []
    for i, text in enumerate(texts):
        ids = tok(text)["input_ids"]
        # transformers takes an empty second text for no pair, so pairs skip those.
        second = texts[(i + 1) % len(texts)] or "second"
        results.append({
            "text": text,
            "ids": ids,
            "second": second,
            "pair": tok(text, second)["input_ids"],
            "decode": tok.decode(ids),
            "decode_skip": tok.decode(ids, skip_special_tokens=True),
        })
    with open(os.path.join(out_dir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"model_max_length": tok.model_max_length, "results": results}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
