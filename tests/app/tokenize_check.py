#!/usr/bin/env python3
"""`hfserve tokenize` against the Hugging Face libraries.

usage: tokenize_check.py HFSERVE_BINARY TESTDATA_DIR

Runs the command on a few texts for every tokenizer folder of the test data, with and
without --no-special, through --text and --file, and compares the printed ids, tokens and
(character) offsets with transformers' AutoTokenizer where the folder has a
tokenizer_config.json (which it applies), else with tokenizers.Tokenizer.encode. Exits
non-zero on any difference.
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

from tokenizers import Tokenizer

warnings.filterwarnings("ignore")
from transformers import AutoTokenizer  # noqa: E402


def reference(folder):
    """encode(text, add_special_tokens) -> (ids, tokens, offsets) as the folder's users get them."""
    if os.path.exists(os.path.join(folder, "tokenizer_config.json")):
        auto = AutoTokenizer.from_pretrained(folder)

        def encode(text, special):
            enc = auto(text, add_special_tokens=special, return_offsets_mapping=True)
            return enc["input_ids"], enc.tokens(), [list(o) for o in enc["offset_mapping"]]
        return encode
    raw = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))

    def encode(text, special):
        enc = raw.encode(text, add_special_tokens=special)
        return enc.ids, enc.tokens, [list(o) for o in enc.offsets]
    return encode

TEXTS = ["Hello world! ¿Qué tal? 你好 🤗  two  spaces\tand a tab\n", "<s>[CLS]<|endoftext|> x", ""]


def main():
    binary, testdata = sys.argv[1], sys.argv[2]
    root = os.path.join(testdata, "tokenizers")
    failures = 0
    checked = 0
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        path = os.path.join(folder, "tokenizer.json")
        if not os.path.exists(path):
            continue
        encode = reference(folder)
        for text in TEXTS:
            for special in (True, False):
                ids, tokens, offsets = encode(text, special)
                want = {"ids": ids, "tokens": tokens, "offsets": offsets}
                with tempfile.NamedTemporaryFile("w", encoding="utf-8", delete=False) as f:
                    f.write(text)
                sources = [["--text", text]]
                if text == TEXTS[0]:
                    sources.append(["--file", f.name])
                for source in sources:
                    args = [binary, "tokenize", folder] + source + ([] if special else ["--no-special"])
                    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
                    got = json.loads(out)
                    checked += 1
                    if list(got) != ["ids", "tokens", "offsets"] or got != want:
                        failures += 1
                        print(f"{name} {text!r} special={special}: got {got}, want {want}")
                os.unlink(f.name)
    print(f"{checked} runs checked, {failures} differ")
    sys.exit(1 if failures or checked == 0 else 0)


if __name__ == "__main__":
    main()
