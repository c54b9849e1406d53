// Model: the vocabulary step of a tokenizer (BPE, WordPiece, Unigram, WordLevel) that
// turns one pre-tokenized piece into tokens. Immutable after load; tokenize() is
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_fields.h"
#include "tokenizer/normalized_string.h"

namespace hfserve::tokenizer {

struct Token {
  std::uint32_t id = 0;
  std::string value;
  Offsets offsets;  // bytes of the piece that was tokenized
};

class Model {
 public:
  virtual ~Model() = default;
  // Tokens of `piece` (valid UTF-8), offsets relative to it.
  virtual std::vector<Token> tokenize(std::string_view piece) const = 0;
  virtual std::optional<std::uint32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(std::uint32_t id) const = 0;
  // One more than the largest id of the model's own vocabulary.
  virtual std::size_t vocab_size() const = 0;
};

// Builds the model of tokenizer.json's "model" (with or without "type").
std::unique_ptr<Model> make_model(const json::Json& config, const std::string& where);

std::unique_ptr<Model> make_bpe_model(const json::Json& config, const std::string& where);
std::unique_ptr<Model> make_wordpiece_model(const json::Json& config, const std::string& where);
std::unique_ptr<Model> make_wordlevel_model(const json::Json& config, const std::string& where);
std::unique_ptr<Model> make_unigram_model(const json::Json& config, const std::string& where);

}  // namespace hfserve::tokenizer
