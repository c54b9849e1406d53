// The sentence-transformers module files of an embedding model's folder: modules.json
// (the pipeline: Transformer, Pooling, Normalize), 1_Pooling/config.json (how token
// states become one vector) and sentence_bert_config.json (the longest input). What
// SentenceTransformer(folder) would run, as a plain value; pooling itself is
// models/pooling.h.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hfserve::formats {

// 1_Pooling/config.json's pooling_mode_* switches. Several may be on: the pooled vector
// is then their results concatenated, in sentence-transformers' order (cls, max, mean,
// mean_sqrt_len, weighted mean, last token).
struct PoolingConfig {
  bool cls_token = false;
  bool max_tokens = false;
  bool mean_tokens = true;  // what SentenceTransformer uses for a folder without modules.json
  bool mean_sqrt_len_tokens = false;
  bool weightedmean_tokens = false;
  bool lasttoken = false;

  // How many of the modes are on (each adds hidden_size values).
  std::size_t modes() const;
};

struct SentenceTransformersConfig {
  bool from_modules = false;  // modules.json was there (else the defaults below)
  PoolingConfig pooling;
  bool normalize = false;                     // a Normalize module: unit-length vectors
  std::optional<std::size_t> max_seq_length;  // longer inputs are cut (or refused) there
  bool do_lower_case = false;                 // lowercase the text before tokenizing
};

// Reads the module files of `folder`. A folder without modules.json gets mean pooling
// and nothing else, as SentenceTransformer builds for a plain transformers checkpoint.
// Throws Error: kInvalidArgument for malformed files (naming file and key), kUnsupported
// for a module hfserve does not run (Dense, a Transformer outside the folder's root).
SentenceTransformersConfig load_sentence_transformers_config(const std::string& folder);

// The same from the files' text (`source` names the folder in errors): modules.json,
// then the Pooling module's config.json when modules.json names one, then
// sentence_bert_config.json; an empty text stands for an absent file.
// `read_pooling(path)` returns the text of the Pooling module's config.json, whose folder
// modules.json names.
SentenceTransformersConfig parse_sentence_transformers_config(
    std::string_view modules_json,
    const std::function<std::string(const std::string&)>& read_pooling,
    std::string_view bert_config_json, std::string_view source);

}  // namespace hfserve::formats
