#!/usr/bin/env python3
"""Expected outputs from the Hugging Face `tokenizers` library, for the C++ tests.

usage: reference.py TOKENIZER_JSON CORPUS_JSON OUT_JSON [VARIANT]

VARIANT rewrites the tokenizer first (VARIANTS below) to reach components and options
that no tokenizer.json of the test data uses ("bpe_affixes" instead trains a BPE on the
corpus with HF's trainer); the rewritten file, as the library
serialises it, goes into the output ("tokenizer_json") for the C++ side to load.

For every corpus string (raw bytes, decoded as Python does with errors="replace"):
ids, tokens, character offsets, type ids and special-token mask with and without
special tokens, decode keeping and skipping special tokens, the streaming decode
chunks (tokenizers.decoders.DecodeStream), and a pair encoding with the next string;
then truncated encodings (pairs, and with strides: singles from either side, pairs) with
their overflowing windows, and padded batches.
Truncation and padding stored in the file are turned off (gpt2's file carries a
max_length 50 truncation), so every comparison sees the whole text.
"""
import json
import sys

from tokenizers import AddedToken, Tokenizer
from tokenizers.decoders import BPEDecoder, DecodeStream
from tokenizers.models import BPE
from tokenizers.normalizers import NFC
from tokenizers.pre_tokenizers import Whitespace
from tokenizers.trainers import BpeTrainer

VARIANTS = {
    # WordPiece with a mix of normalizers and pre-tokenizers.
    "pretok_mix": {
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": "\\d{3}"}, "content": "#"},
            {"type": "Strip", "strip_left": True, "strip_right": True}, {"type": "NFD"},
            {"type": "StripAccents"}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Whitespace"}, {"type": "Digits", "individual_digits": True},
            {"type": "Punctuation", "behavior": "Contiguous"}]},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]},
    },
    # WordLevel over the BERT vocabulary, Roberta-style post-processing.
    "wordlevel": {
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"}, {"type": "CharDelimiterSplit", "delimiter": "-"},
            {"type": "Split", "pattern": {"String": "."}, "behavior": "MergedWithNext", "invert": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "CTC", "pad_token": "[PAD]", "word_delimiter_token": "|", "cleanup": True},
        "model": "wordlevel",
    },
    # Byte-level BPE with the GPT-2 regex, prefix space, offset trimming and splits.
    "bytelevel_split": {
        "normalizer": {"type": "NFKD"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious", "invert": False},
            {"type": "Split", "pattern": {"Regex": "\\p{N}+"}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}},
                      {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [151643], "tokens": ["<|endoftext|>"]}}}]},
    },
    # SentencePiece-style BPE behind Metaspace (prepend first, no split).
    "metaspace_first": {
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False},
            {"type": "ByteFallback"}, {"type": "Fuse"}]},
    },
    # Metaspace that never prepends and splits at every replacement, over the same BPE.
    "metaspace_never": {
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": True},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": True},
    },
    # Unigram cut at script changes before Metaspace (spaces join the script pieces;
    # characters without a script at the start of the text are dropped).
    "unicode_scripts": {
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "UnicodeScripts"},
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}]},
    },
    # WordPiece over whole script pieces, so every cut shows in the offsets and ## prefixes.
    "unicode_scripts_only": {"pre_tokenizer": {"type": "UnicodeScripts"}},
}

# Added tokens with every option, for the "added_flags" variant.
ADDED = [AddedToken("hello", single_word=True), AddedToken("<mask>", lstrip=True, rstrip=True, special=True),
         AddedToken("Wörld", normalized=True), AddedToken(" tal", normalized=False),
         AddedToken("[SEP]", special=True)]


def trained_bpe_with_affixes(corpus):
    """A BPE that HF's own trainer learns from the corpus with every affix option and a
    small alphabet (so unknown characters occur and are fused), decoded by BPEDecoder."""
    tok = Tokenizer(BPE(unk_token="[UNK]", fuse_unk=True, continuing_subword_prefix="##",
                        end_of_word_suffix="</w>"))
    tok.normalizer = NFC()
    tok.pre_tokenizer = Whitespace()
    tok.decoder = BPEDecoder(suffix="</w>")
    trainer = BpeTrainer(vocab_size=1500, limit_alphabet=120, special_tokens=["[UNK]"],
                         continuing_subword_prefix="##", end_of_word_suffix="</w>",
                         show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    return tok


def make_variant(path, variant, corpus):
    if variant == "bpe_affixes":
        return trained_bpe_with_affixes(corpus)
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    if variant == "added_flags":
        tok = Tokenizer.from_str(json.dumps(config))
        tok.add_tokens(ADDED[:4])
        tok.add_special_tokens(ADDED[4:])
        return tok
    for key, value in VARIANTS[variant].items():
        if key == "model" and value == "wordlevel":
            config["model"] = {"type": "WordLevel", "vocab": config["model"]["vocab"], "unk_token": "[UNK]"}
        else:
            config[key] = value
    return Tokenizer.from_str(json.dumps(config))


def encoding_dict(enc):
    return {
        "ids": enc.ids,
        "tokens": enc.tokens,
        "offsets": [list(o) for o in enc.offsets],
        "type_ids": enc.type_ids,
        "special_tokens_mask": enc.special_tokens_mask,
        "overflowing": [encoding_dict(o) for o in enc.overflowing],
    }


def truncated_pairs(tok, corpus):
    """Each truncated pair with its overflowing windows, or None for a pair of long texts:
    HF combines every window of one member with every window of the other (100,000 and
    more for the longest strings here), which only costs time to reproduce."""
    return [encoding_dict(tok.encode(a, b)) if len(a) + len(b) <= 1000 else None
            for a, b in zip(corpus, corpus[1:])]


def main():
    variant = sys.argv[4] if len(sys.argv) > 4 else None
    with open(sys.argv[2], encoding="utf-8") as f:
        corpus = [bytes.fromhex(h).decode("utf-8", errors="replace") for h in json.load(f)["hex"]]
    tok = make_variant(sys.argv[1], variant, corpus) if variant else Tokenizer.from_file(sys.argv[1])
    tokenizer_json = tok.to_str()
    tok.no_truncation()
    tok.no_padding()
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
        tok.encode_special_tokens = True
        split_special = tok.encode(text, add_special_tokens=True)
        tok.encode_special_tokens = False
        results.append({
            "split_special": encoding_dict(split_special),
            "with_special": encoding_dict(with_special),
            "no_special": encoding_dict(no_special),
            "decode_keep": tok.decode(with_special.ids, skip_special_tokens=False),
            "decode_skip": tok.decode(with_special.ids, skip_special_tokens=True),
            "stream": chunks,
            "pair": encoding_dict(pair),
        })
    # The file's own truncation and padding settings, on the longest corpus string.
    longest = max(corpus, key=len)
    as_saved = Tokenizer.from_str(tokenizer_json)
    file_settings = encoding_dict(as_saved.encode(longest))
    # Truncation of pairs (longest first, from the left) and batch padding.
    tok.enable_truncation(max_length=13, strategy="longest_first", direction="left")
    truncated = truncated_pairs(tok, corpus)
    # Overflowing windows: a stride from the right, from the left with fixed padding, and
    # pairs with a stride.
    tok.enable_truncation(max_length=13, stride=4, direction="right")
    stride_single = [encoding_dict(tok.encode(text)) for text in corpus]
    tok.enable_truncation(max_length=13, stride=3, direction="left")
    tok.enable_padding(length=16, pad_id=3, pad_token="<pad>")
    stride_left = [encoding_dict(tok.encode(text)) for text in corpus]
    tok.no_padding()
    tok.enable_truncation(max_length=13, stride=2, strategy="longest_first", direction="right")
    stride_pair = truncated_pairs(tok, corpus)
    tok.no_truncation()
    tok.enable_padding(direction="left", pad_id=3, pad_type_id=1, pad_token="<pad>",
                       pad_to_multiple_of=8)
    padded = [encoding_dict(e) for e in tok.encode_batch(corpus[7:12])]
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        json.dump({"tokenizer_json": tokenizer_json, "results": results, "file_settings": file_settings, "truncated": truncated,
                   "stride_single": stride_single, "stride_left": stride_left, "stride_pair": stride_pair,
                   "padded": padded}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
