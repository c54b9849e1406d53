// A model folder's tokenizer as transformers' AutoTokenizer.from_pretrained builds the fast
// tokenizer: tokenizer.json, adjusted by tokenizer_config.json the way the fast tokenizer
// class it names does, and decoded the way transformers' decode does. What it takes:
//   * clean_up_tokenization_spaces: decode() removes the spaces before punctuation and
//     English contractions (" ." -> ".", " n't" -> "n't"); default false;
//   * add_bos_token / add_eos_token with bos_token / eos_token: the Llama, CodeLlama,
//     Gemma, Cohere and GPT-NeoX classes replace the post-processor by a template that
//     adds exactly those (their own defaults when the keys are absent);
//   * the special tokens it names (bos/eos/unk/sep/pad/cls/mask_token,
//     additional_special_tokens, added_tokens_decoder; the class's defaults for the
//     classes above) become special added tokens when tokenizer.json's added_tokens lack
//     them, with the vocabulary's id or a new one, as PreTrainedTokenizerFast does;
//   * add_prefix_space (default false): a top-level pre-tokenizer that has the option
//     (ByteLevel) gets the config's value, as PreTrainedTokenizerFast does;
//   * do_lower_case, strip_accents, tokenize_chinese_chars: the BERT-family classes
//     (BertTokenizer, DistilBertTokenizer, ElectraTokenizer...) rebuild tokenizer.json's
//     BertNormalizer with these (their defaults: true, null, true) when it differs;
//   * model_max_length, for callers that truncate or refuse long inputs;
//   * the file's own truncation and padding are off, as in AutoTokenizer's default call.
// The class is tokenizer_config.json's tokenizer_class, else the one transformers maps
// config.json's model_type to (for the families above).
// `legacy` changes nothing here: transformers acts on it only when it converts a
// SentencePiece model (from_slow), and hfserve always reads tokenizer.json.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/tokenizer.h"

namespace hfserve::tokenizer {

// The keys of tokenizer_config.json that change tokens or text (HF field names).
struct TokenizerConfig {
  std::string tokenizer_class;  // as written ("LlamaTokenizer"); empty when absent
  bool clean_up_tokenization_spaces = false;
  // Absent, or transformers' "no limit" (int(1e30)): nullopt.
  std::optional<std::size_t> model_max_length;
  std::optional<bool> add_prefix_space;
  // Whether the class replaces the post-processor by the BOS/EOS template; the fields
  // below hold the config's values, else the class's defaults.
  bool rebuilds_post_processor = false;
  bool add_bos_token = false;
  bool add_eos_token = false;
  // Whether the class rebuilds a BertNormalizer with the three options below (the config's
  // values, else the class's defaults).
  bool rebuilds_bert_normalizer = false;
  bool do_lower_case = true;
  std::optional<bool> strip_accents;  // nullopt: null, accents go when lowercasing
  bool tokenize_chinese_chars = true;
  // Token contents (an AddedToken object reduced to its "content"); nullopt when null.
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  // Every special token named, in transformers' order (added_tokens_decoder by id, then
  // bos, eos, unk, sep, pad, cls, mask, additional_special_tokens), without repeats; ids
  // are assigned when they are added.
  std::vector<AddedToken> special_tokens;
};

// Reads the keys above from a parsed tokenizer_config.json; Error(invalid_argument)
// naming `name` and the key when one has the wrong type.
TokenizerConfig parse_tokenizer_config(const nlohmann::json& config, const std::string& name);

// transformers' clean_up_tokenization.
std::string clean_up_tokenization(std::string text);

struct PretrainedTokenizer {
  Tokenizer tokenizer;
  TokenizerConfig config;

  // transformers' decode: special tokens kept unless asked, then clean-up if configured.
  std::string decode(const std::vector<std::uint32_t>& ids, bool skip_special_tokens = false) const;
};

// What a caller passes to from_pretrained on top of the config (KServe's Hugging Face
// runtime passes do_lower_case; --disable_lower_case sets it false).
struct PretrainedOptions {
  std::optional<bool> do_lower_case;
};

// Builds the tokenizer of a folder holding tokenizer.json and, optionally,
// tokenizer_config.json and config.json. Errors as Tokenizer::from_file, and
// Error(invalid_argument) when the config asks for a BOS/EOS token the vocabulary does
// not have.
PretrainedTokenizer load_pretrained_tokenizer(const std::filesystem::path& folder,
                                              const PretrainedOptions& options = {});

}  // namespace hfserve::tokenizer
