// A tokenizer from a GGUF file's vocabulary (the `tokenizer.ggml.*` metadata), giving the
// ids llama.cpp gives and the ids of the model's own tokenizer.json:
//   gpt2  → byte-level BPE, split by the regexes `pre` names (gguf_pre_tokenizers.h)
//   llama → SentencePiece-style BPE: "▁" for spaces, merges ranked by score, <0xXX> byte
//           fallback, a "▁" prefix when add_space_prefix
//   bert  → WordPiece (GGUF stores "▁word" for "word" and "ing" for "##ing"), lowercased
//   t5    → Unigram over the scores, as T5's tokenizer.json (transformers' conversion of
//           its spiece.model): the precompiled charsmap, spaces stripped at the end and
//           runs made one when remove_extra_whitespaces, Metaspace with a "▁" in front
//           when add_space_prefix; EOS appended
// Control (3) and unknown (2) tokens become special added tokens and user-defined (4)
// tokens plain added tokens, matched in text before the model, as llama.cpp matches
// them. BOS/EOS/SEP are added as the file's flags say, with llama.cpp's defaults.
//
// The metadata is untrusted: the builder checks ids, array lengths and merges against
// the token list and throws Error(invalid_argument) naming what is wrong, or
// Error(unsupported) for a model kind or pre-tokenizer it does not know. Reading the
// metadata out of a GGUF file is pipelines/gguf_tokenizer.h's job; this layer does not
// read files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace hfserve::tokenizer {

// tokenizer.ggml.token_type values (gguf-py's TokenType).
enum class GgufTokenType : std::int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct GgufVocab {
  std::string model;                // tokenizer.ggml.model: "gpt2", "llama", "bert" or "t5"
  std::string pre;                  // tokenizer.ggml.pre (gpt2 only; "" = llama.cpp's "default")
  std::vector<std::string> tokens;  // by id
  std::vector<float> scores;        // by id, or empty (llama: merge priority; t5: log p)
  std::vector<std::int32_t> token_types;  // by id (GgufTokenType), or empty (all normal)
  std::vector<std::string> merges;        // "left right", best first (gpt2; optional for llama)
  std::optional<std::uint32_t> bos_id, eos_id, unk_id, sep_id, pad_id, cls_id, mask_id;
  // Absent flags take llama.cpp's default for the model kind and pre-tokenizer.
  std::optional<bool> add_bos, add_eos, add_sep, add_space_prefix;
  std::optional<bool> remove_extra_whitespaces;  // t5: SentencePiece's normalizer flag
  std::string precompiled_charsmap;              // t5: SentencePiece's normalization rules
  std::optional<bool> lowercase;  // bert: tokenizer.ggml.normalizer.lowercase (default true)
};

Tokenizer tokenizer_from_gguf_vocab(const GgufVocab& vocab);

}  // namespace hfserve::tokenizer
