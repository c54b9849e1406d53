#!/usr/bin/env python3
"""A T5-style (SentencePiece Unigram) GGUF vocabulary and the ids three tokenizers give.

usage: t5_gguf_vocab_reference.py CORPUS_JSON OUT_DIR SPIECE_MODEL...

For each SentencePiece model (../shared/testdata's real ones) this writes OUT_DIR/<name>.gguf
with gguf-py, holding what llama.cpp's convert_hf_to_gguf.py writes for a T5 model's
spiece.model (tokenizer.ggml.model "t5", pieces, scores, SentencePiece token types,
add_space_prefix, remove_extra_whitespaces, the precompiled charsmap, eos/unk/pad ids)
plus the t5.* hyper-parameters llama.cpp reads before its vocabulary. Then, for every string
of tests/tokenizer/corpus.json and the T5-specific strings below, OUT_DIR/<name>.json gets:
  hf    ids of transformers' T5TokenizerFast made from that spiece.model (the tokenizer.json
        T5 models carry), with and without special tokens, and its decode;
  sp    ids of SentencePiece itself on the same model;
  llama ids of llama.cpp (llama-cpp-python, vocab only) on the GGUF file, which is given the
        raw bytes (the others get them decoded with errors="replace", as Python callers do);
and the model's user-defined symbols, which the converter writes as normal tokens.
"""
import json
import os
import sys

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

import gguf
import llama_cpp
import sentencepiece
from sentencepiece import sentencepiece_model_pb2
from transformers import T5TokenizerFast

EXTRA = [
    "  leading and trailing spaces  ",
    "runs    of     spaces\tand\ttabs\nand\n\nnewlines",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ｶﾀｶﾅ",
    "ligatures ﬁ ﬂ and ① ② and ㍿",
    "text with </s> and <unk> and <pad> written in it",
    "",
    " ",
    "🤗 emoji and 👨‍👩‍👧‍👦 and ☃",
    "e\u0301 combining and \u00e9 precomposed",
]


def sp_types(sp, token_id):
    if sp.IsUnknown(token_id):
        return gguf.TokenType.UNKNOWN
    if sp.IsControl(token_id):
        return gguf.TokenType.CONTROL
    if sp.IsUnused(token_id):
        return gguf.TokenType.UNUSED
    if sp.IsByte(token_id):
        return gguf.TokenType.BYTE
    return gguf.TokenType.NORMAL


def write_gguf(spiece, path):
    proto = sentencepiece_model_pb2.ModelProto()
    with open(spiece, "rb") as f:
        proto.ParseFromString(f.read())
    if proto.trainer_spec.model_type != 1:
        sys.exit(f"{spiece}: not a Unigram SentencePiece model")
    sp = sentencepiece.SentencePieceProcessor(model_file=spiece)
    n = sp.vocab_size()
    writer = gguf.GGUFWriter(path, "t5")
    writer.add_context_length(512)
    writer.add_embedding_length(8)
    writer.add_feed_forward_length(16)
    writer.add_block_count(1)
    writer.add_head_count(1)
    writer.add_key_length(8)
    writer.add_value_length(8)
    writer.add_layer_norm_eps(1e-6)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_relative_attn_buckets_count(32)
    writer.add_decoder_start_token_id(max(sp.pad_id(), 0))
    writer.add_tokenizer_model("t5")
    writer.add_tokenizer_pre("default")
    writer.add_token_list([sp.IdToPiece(i).encode() for i in range(n)])
    writer.add_token_scores([sp.GetScore(i) for i in range(n)])
    writer.add_token_types([sp_types(sp, i) for i in range(n)])
    writer.add_add_space_prefix(proto.normalizer_spec.add_dummy_prefix)
    writer.add_remove_extra_whitespaces(proto.normalizer_spec.remove_extra_whitespaces)
    if proto.normalizer_spec.precompiled_charsmap:
        writer.add_precompiled_charsmap(proto.normalizer_spec.precompiled_charsmap)
    # What gguf.SpecialVocab finds in a T5 folder's special_tokens_map.json.
    writer.add_eos_token_id(sp.eos_id())
    writer.add_unk_token_id(sp.unk_id())
    if sp.pad_id() >= 0:
        writer.add_pad_token_id(sp.pad_id())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    user_defined = [p.piece for p in proto.pieces
                    if p.type == sentencepiece_model_pb2.ModelProto.SentencePiece.USER_DEFINED]
    return sp, user_defined


def main():
    corpus_path, out_dir = sys.argv[1:3]
    os.makedirs(out_dir, exist_ok=True)
    with open(corpus_path) as f:
        texts = [bytes.fromhex(h) for h in json.load(f)["hex"]]
    texts += [t.encode() for t in EXTRA]
    for spiece in sys.argv[3:]:
        name = (os.path.basename(os.path.dirname(spiece)) + "_" +
                os.path.splitext(os.path.basename(spiece))[0]).replace("-", "_")
        gguf_path = os.path.join(out_dir, name + ".gguf")
        sp, user_defined = write_gguf(spiece, gguf_path)
        # add_prefix_space must be given: left None, transformers 4.57 builds the Metaspace
        # with prepend_scheme "never", unlike the tokenizer.json files T5 checkpoints carry.
        hf = T5TokenizerFast(vocab_file=spiece, extra_ids=0, add_prefix_space=True,
                             eos_token=sp.IdToPiece(sp.eos_id()),
                             unk_token=sp.IdToPiece(sp.unk_id()),
                             pad_token=sp.IdToPiece(max(sp.pad_id(), 0)))
        llama = llama_cpp.Llama(model_path=gguf_path, vocab_only=True, verbose=False)
        results = []
        for raw in texts:
            text = raw.decode("utf-8", errors="replace")
            ids = hf.encode(text, add_special_tokens=False)
            results.append({
                "hex": raw.hex(),
                "hf": ids,
                "hf_special": hf.encode(text, add_special_tokens=True),
                "hf_decode": hf.decode(ids, skip_special_tokens=False,
                                       clean_up_tokenization_spaces=False),
                "sp": sp.encode(text),
                "llama": llama.tokenize(raw, add_bos=False, special=False),
                "llama_special": llama.tokenize(raw, add_bos=True, special=False),
            })
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump({"gguf": gguf_path, "user_defined": user_defined, "results": results}, f,
                      ensure_ascii=False)


if __name__ == "__main__":
    main()
