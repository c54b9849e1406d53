#!/usr/bin/env python3
"""Writes corpus.json: the tricky strings every tokenizer.json is checked on.

Each entry is hex of the raw bytes (some are deliberately invalid UTF-8). Rerun after
editing the lists below: `python3 tests/tokenizer/make_corpus.py`.
"""
import json
import os

TEXTS = [
    "", " ", "  ", "\t", "\n", "\n\n\n", " \t \n ", "Hello world!", "hello   world",
    "   leading and trailing   ", "Hello world! ¿Qué tal? 你好 🤗",
    "The quick brown fox jumps over the lazy dog.", "I'm sure you've seen they're 'quoted'.",
    "1234567890 3.14159 -42 1,000,000 ٣٤٥ ५६७", "x=1; y = x**2 // 3  # comment",
    "def f(a, b):\n    return a + b\n\n\tprint(f(1, 2))",
    "https://huggingface.co/docs/tokenizers?q=a&b=c#frag", "user@example.com",
    "Ünïcödé äccénts: café naïve résumé", "e\u0301 vs é, A\u030a vs Å", "ﬁ ﬀ ① ㍿ Ｈｅｌｌｏ",
    "日本語のテキストです。東京タワー", "中文文本，包括标点符号。", "한국어 텍스트 한글",
    "Русский текст с пунктуацией!", "Ελληνικά κείμενα", "עברית טקסט", "النص العربي هنا",
    "हिन्दी पाठ यहाँ है", "ภาษาไทยไม่มีช่องว่าง", "Tiếng Việt có dấu",
    "emoji 😀😃😄 👍🏽 🇫🇷", "family 👨‍👩‍👧‍👦 and 🏳️‍🌈", "zero\u200bwidth\u200djoiner\ufeffbom",
    "combining a\u0300\u0301\u0302\u0303 stack", "tabs\tand\ttabs\t\t", "CRLF\r\nline\rend",
    "non\u00a0breaking\u2003em\u3000ideographic", "<|endoftext|> in text <|endoftext|>",
    "[CLS] bert [SEP] [MASK] tokens [PAD]", "<s> sentencepiece </s> <unk>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
    "<|im_start|>user\nHi<|im_end|>", "MiXeD CaSe WoRdS", "ALLCAPS SHOUTING",
    "!!!???...,,,;;;", "a" * 300, "ab" * 5000, "🤗" * 200, "word " * 400,
    "   \n   \n", "trailing newline\n", "\u0000null\u0001control\u007f",
    "どこで生れ。Yes", "Apples are りんご 林檎", " leading Латиница mixed αβγ123", "\u0378\U000E0001 unassigned first",
]

INVALID = [b"\xff\xfe bad", b"caf\xc3", b"\xe4\xbd mid \xa0", b"ok \xf0\x9f\x98 cut", b"\xed\xa0\x80 surrogate",
           b"\xc0\xaf overlong"]


def main():
    entries = [t.encode("utf-8").hex() for t in TEXTS] + [b.hex() for b in INVALID]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"hex": entries}, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
