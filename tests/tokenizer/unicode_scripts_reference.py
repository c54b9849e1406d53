#!/usr/bin/env python3
"""Pieces of the Hugging Face `tokenizers` library's UnicodeScripts pre-tokenizer on
texts that put every code point next to others, for tests/tokenizer/unicode_scripts_test.

usage: unicode_scripts_reference.py OUT_JSON

Writes {"texts": [...], "pieces": [[[start, end], ...], ...]} with character offsets.
The texts hold every code point but the surrogates:
  * in code point order, so a cut falls wherever the script changes between neighbours;
  * each one after "a" (Latin) and after "京" (Han, which Hiragana and Katakana join);
  * the assigned ones (Python's unicodedata) in a fixed random order, against others.
Each list is cut into texts of 4096 code points.
"""
import json
import random
import sys
import unicodedata

from tokenizers.pre_tokenizers import UnicodeScripts

CHUNK = 4096


def chunks(chars):
    return ["".join(chars[i:i + CHUNK]) for i in range(0, len(chars), CHUNK)]


def main():
    every = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    assigned = [c for c in every if unicodedata.category(c) != "Cn"]
    random.Random(5).shuffle(assigned)
    texts = chunks(every) + chunks(assigned)
    for probe in ("a", "京"):
        texts += chunks([probe + c for c in every])
    pre = UnicodeScripts()
    pieces = [[list(offsets) for _, offsets in pre.pre_tokenize_str(text)] for text in texts]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump({"texts": texts, "pieces": pieces}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
