#include "tokenizer/model.h"

#include <cstdio>

#include "tokenizer/vocab.h"
#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

constexpr std::uint32_t kMaxVocab = 1u << 24;

// WordLevel: a whole piece is one token or the unknown token.
class WordLevelModel : public Model {
 public:
  WordLevelModel(Vocab vocab, std::string unk) : vocab_(std::move(vocab)), unk_(std::move(unk)) {}

  std::vector<Token> tokenize(std::string_view piece) const override {
    auto it = vocab_.to_id.find(std::string(piece));
    if (it != vocab_.to_id.end()) return {{it->second, std::string(piece), {0, piece.size()}}};
    auto unk = vocab_.to_id.find(unk_);
    if (unk == vocab_.to_id.end()) {
      throw Error(ErrorCode::kInvalidArgument, "WordLevel: \"" + std::string(piece) +
                                                   "\" is not in the vocabulary and the "
                                                   "unknown token \"" +
                                                   unk_ + "\" is not either");
    }
    return {{unk->second, unk_, {0, piece.size()}}};
  }
  std::optional<std::uint32_t> token_to_id(std::string_view token) const override {
    auto it = vocab_.to_id.find(std::string(token));
    if (it == vocab_.to_id.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(std::uint32_t id) const override {
    if (id >= vocab_.to_token.size() || !vocab_.present[id]) return std::nullopt;
    return vocab_.to_token[id];
  }
  std::size_t vocab_size() const override { return vocab_.to_token.size(); }

 private:
  Vocab vocab_;
  std::string unk_;
};

}  // namespace

Vocab read_vocab(const json::Json& config, const std::string& where) {
  const json::Json& object = json::require(config, "vocab", where);
  if (!object.is_object()) {
    json::fail(where + ".vocab",
               "expected an object of token: id, found " + std::string(object.type_name()));
  }
  Vocab vocab;
  vocab.to_id.reserve(object.size());
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::uint32_t id = json::require_id(it.value(), where + ".vocab[\"" + it.key() + "\"]");
    if (id >= kMaxVocab) json::fail(where + ".vocab[\"" + it.key() + "\"]", "id too large");
    vocab.to_id[it.key()] = id;
    if (id >= vocab.to_token.size()) {
      vocab.to_token.resize(id + 1);
      vocab.present.resize(id + 1, false);
    }
    vocab.to_token[id] = it.key();
    vocab.present[id] = true;
  }
  return vocab;
}

std::string byte_token(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "<0x%02X>", byte);
  return buffer;
}

std::unique_ptr<Model> make_wordlevel_model(const json::Json& config, const std::string& where) {
  return std::make_unique<WordLevelModel>(read_vocab(config, where),
                                          json::string_or(config, "unk_token", where, "<unk>"));
}

std::unique_ptr<Model> make_model(const json::Json& config, const std::string& where) {
  std::string type = json::type_of(config, where);
  if (type.empty()) {
    // Old files have no "type": tell the models apart by their fields, as HF does.
    const json::Json* vocab = json::optional(config, "vocab");
    if (vocab != nullptr && vocab->is_array()) {
      type = "Unigram";
    } else if (json::optional(config, "merges") != nullptr) {
      type = "BPE";
    } else if (json::optional(config, "continuing_subword_prefix") != nullptr ||
               json::optional(config, "max_input_chars_per_word") != nullptr) {
      type = "WordPiece";
    } else {
      type = "WordLevel";
    }
  }
  if (type == "BPE") return make_bpe_model(config, where);
  if (type == "WordPiece") return make_wordpiece_model(config, where);
  if (type == "Unigram") return make_unigram_model(config, where);
  if (type == "WordLevel") return make_wordlevel_model(config, where);
  json::fail(where, "unknown model type \"" + type + "\"");
}

}  // namespace hfserve::tokenizer
