#!/usr/bin/env python3
"""Expected outputs from the Hugging Face `tokenizers` library, for the C++ tests.

usage: reference.py TOKENIZER_JSON CORPUS_JSON OUT_JSON

For every corpus string (raw bytes, decoded as Python does with errors="replace"):
ids, tokens, character offsets, type ids and special-token mask with and without
special tokens, decode keeping and skipping special tokens, the streaming decode
chunks (tokenizers.decoders.DecodeStream), and a pair encoding with the next string.
Truncation and padding stored in the file are turned off (gpt2's file carries a
max_length 50 truncation), so every comparison sees the whole text.
"""
import json
import sys

from tokenizers import Tokenizer
from tokenizers.decoders import DecodeStream


def encoding_dict(enc):
    return {
        "ids": enc.ids,
        "tokens": enc.tokens,
        "offsets": [list(o) for o in enc.offsets],
        "type_ids": enc.type_ids,
        "special_tokens_mask": enc.special_tokens_mask,
    }


def main():
    tok = Tokenizer.from_file(sys.argv[1])
    tok.no_truncation()
    tok.no_padding()
    with open(sys.argv[2], encoding="utf-8") as f:
        corpus = [bytes.fromhex(h).decode("utf-8", errors="replace") for h in json.load(f)["hex"]]
    results = []
    for i, text in enumerate(corpus):
        with_special = tok.encode(text, add_special_tokens=True)
        no_special = tok.encode(text, add_special_tokens=False)
        stream = DecodeStream(skip_special_tokens=False)
        chunks = []
        for token_id in with_special.ids:
            out = stream.step(tok, token_id)
            if out is not None:
                chunks.append(out)
        pair = tok.encode(text, corpus[(i + 1) % len(corpus)], add_special_tokens=True)
        results.append({
            "with_special": encoding_dict(with_special),
            "no_special": encoding_dict(no_special),
            "decode_keep": tok.decode(with_special.ids, skip_special_tokens=False),
            "decode_skip": tok.decode(with_special.ids, skip_special_tokens=True),
            "stream": chunks,
            "pair": encoding_dict(pair),
        })
    # The file's own truncation and padding settings, on the longest corpus string.
    longest = max(corpus, key=len)
    as_saved = Tokenizer.from_file(sys.argv[1])
    file_settings = encoding_dict(as_saved.encode(longest))
    # Truncation of pairs (longest first, from the left) and batch padding.
    tok.enable_truncation(max_length=13, strategy="longest_first", direction="left")
    truncated = [encoding_dict(tok.encode(a, b)) for a, b in zip(corpus, corpus[1:])]
    tok.no_truncation()
    tok.enable_padding(direction="left", pad_id=3, pad_type_id=1, pad_token="<pad>",
                       pad_to_multiple_of=8)
    padded = [encoding_dict(e) for e in tok.encode_batch(corpus[7:12])]
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        json.dump({"results": results, "file_settings": file_settings, "truncated": truncated,
                   "padded": padded}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
