#!/usr/bin/env python3
"""The Hugging Face tokenizers library's encode throughput, for bench_tokenizer.

usage: hf_encode_timing.py TOKENIZER_JSON DOCS_JSON

DOCS_JSON holds {"docs": [...]}, the same documents the C++ benchmark encodes. Prints
one JSON line: bytes, tokens, seconds for a single-threaded encode() loop and for
encode_batch() (Rayon, all cores), each the best of a few runs.
"""
import json
import sys
import time

from tokenizers import Tokenizer


def best_of(runs, fn):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    tok = Tokenizer.from_file(sys.argv[1])
    tok.no_truncation()
    tok.no_padding()
    with open(sys.argv[2], encoding="utf-8") as f:
        docs = json.load(f)["docs"]
    tokens = sum(len(tok.encode(d).ids) for d in docs)
    single = best_of(3, lambda: [tok.encode(d) for d in docs])
    batch = best_of(3, lambda: tok.encode_batch(docs))
    print(json.dumps({"bytes": sum(len(d.encode("utf-8")) for d in docs), "tokens": tokens,
                      "single_s": single, "batch_s": batch}))


if __name__ == "__main__":
    main()
