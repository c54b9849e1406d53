#!/usr/bin/env python3
"""What the Hugging Face `tokenizers` library's character classes make of every code point,
for tests/tokenizer/unicode_categories_test: BertNormalizer (control and format characters,
whitespace, Chinese characters, accents, lowercase), NFD and NFKC, and the Punctuation
pre-tokenizer.

usage: unicode_categories_reference.py OUT_JSON

Writes {"clean_text": {...}, "uncased": {...}, "nfd": {...}, "nfkc": {...},
"punctuation": [...]}: for each normalizer (two BertNormalizer option sets, NFD, NFKC),
"<code point>": "<output>" for every code point it changes (each normalized on its own);
and the code points Punctuation cuts out of "a?a".
The surrogates are not characters and are left out.
"""
import json
import sys

from tokenizers.normalizers import NFD, NFKC, BertNormalizer
from tokenizers.pre_tokenizers import Punctuation

NORMALIZERS = {
    "clean_text": BertNormalizer(clean_text=True, handle_chinese_chars=False,
                                 strip_accents=False, lowercase=False),
    "uncased": BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                              lowercase=True),
    "nfd": NFD(),
    "nfkc": NFKC(),
}


def code_points():
    return (cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def main():
    out = {}
    for name, normalizer in NORMALIZERS.items():
        changed = {}
        for cp in code_points():
            text = chr(cp)
            normalized = normalizer.normalize_str(text)
            if normalized != text:
                changed[str(cp)] = normalized
        out[name] = changed
    punctuation = Punctuation()
    out["punctuation"] = [cp for cp in code_points()
                          if len(punctuation.pre_tokenize_str(f"a{chr(cp)}a")) == 3]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
