// WordPiece as in HF tokenizers: greedy longest-match-first from the left, pieces after
// the first carry the continuing-subword prefix; a word with any unmatched rest, or
// longer than max_input_chars_per_word, becomes the single unknown token.
#include "tokenizer/model.h"
#include "tokenizer/piece_trie.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"
#include "util/error.h"
#include "util/utf8.h"

namespace hfserve::tokenizer {
namespace {

class WordPieceModel : public Model {
 public:
  WordPieceModel(Vocab vocab, std::string unk, std::string prefix, std::size_t max_chars)
      : vocab_(std::move(vocab)),
        unk_(std::move(unk)),
        prefix_(std::move(prefix)),
        max_chars_(max_chars) {
    for (const auto& [token, id] : vocab_.to_id) trie_.insert(token, id);
    trie_.finish();
    continuation_ = trie_.descend(prefix_);
  }

  std::vector<Token> tokenize(std::string_view piece) const override {
    if (utf8::count_code_points(piece) > max_chars_) return unknown(piece);
    std::vector<Token> out;
    std::size_t start = 0;
    while (start < piece.size()) {
      // The longest piece starting here that ends on a character boundary; pieces after
      // the first are looked up behind the continuing-subword prefix.
      std::optional<PieceTrie::Node> from = start == 0 ? PieceTrie::kRoot : continuation_;
      if (!from) return unknown(piece);
      std::size_t best_len = 0;
      std::uint32_t best_id = 0;
      std::string_view rest = piece.substr(start);
      trie_.common_prefixes(
          rest,
          [&](std::size_t len, std::uint32_t id) {
            if (len == rest.size() || (static_cast<unsigned char>(rest[len]) & 0xC0) != 0x80) {
              best_len = len;
              best_id = id;
            }
          },
          *from);
      if (best_len == 0) return unknown(piece);
      std::string value = start == 0 ? std::string() : prefix_;
      value.append(rest.substr(0, best_len));
      out.push_back({best_id, std::move(value), {start, start + best_len}});
      start += best_len;
    }
    return out;
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
  std::vector<Token> unknown(std::string_view piece) const {
    auto it = vocab_.to_id.find(unk_);
    if (it == vocab_.to_id.end()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "WordPiece: the unknown token \"" + unk_ + "\" is not in the vocabulary");
    }
    return {{it->second, unk_, {0, piece.size()}}};
  }

  Vocab vocab_;
  std::string unk_;
  std::string prefix_;
  std::size_t max_chars_;
  PieceTrie trie_;
  std::optional<PieceTrie::Node> continuation_;  // the node of prefix_, if any piece has it
};

}  // namespace

std::unique_ptr<Model> make_wordpiece_model(const json::Json& config, const std::string& where) {
  std::int64_t max_chars = json::int_or(config, "max_input_chars_per_word", where, 100);
  if (max_chars < 0) json::fail(where + ".max_input_chars_per_word", "must not be negative");
  return std::make_unique<WordPieceModel>(
      read_vocab(config, where), json::string_or(config, "unk_token", where, "[UNK]"),
      json::string_or(config, "continuing_subword_prefix", where, "##"),
      static_cast<std::size_t>(max_chars));
}

}  // namespace hfserve::tokenizer
