// Unigram as in HF tokenizers: the Viterbi path of highest total score over all pieces
// of the vocabulary that match the text, a character no piece covers counting as the
// unknown token (score: lowest piece score minus 10); consecutive unknowns are fused;
// with byte_fallback an unknown piece becomes its <0xXX> byte tokens.
#include <algorithm>
#include <unordered_map>

#include "tokenizer/model.h"
#include "tokenizer/piece_trie.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"
#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

constexpr double kUnkPenalty = 10.0;

class UnigramModel : public Model {
 public:
  UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::optional<std::uint32_t> unk,
               bool byte_fallback)
      : pieces_(std::move(pieces)), unk_(unk), byte_fallback_(byte_fallback) {
    double min_score = 0;
    bool first = true;
    for (std::size_t id = 0; id < pieces_.size(); ++id) {
      to_id_[pieces_[id].first] = static_cast<std::uint32_t>(id);
      trie_.insert(pieces_[id].first, static_cast<std::uint32_t>(id));
      min_score = first ? pieces_[id].second : std::min(min_score, pieces_[id].second);
      first = false;
    }
    trie_.finish();
    unk_score_ = min_score - kUnkPenalty;
  }

  std::vector<Token> tokenize(std::string_view piece) const override {
    std::vector<Token> out;
    std::size_t offset = 0;
    for (const std::string& part : viterbi(piece)) {
      std::size_t len = part.size();
      auto it = to_id_.find(part);
      if (it != to_id_.end()) {
        out.push_back({it->second, part, {offset, offset + len}});
      } else {
        bool done = false;
        if (byte_fallback_) {
          std::vector<Token> bytes;
          for (char c : part) {
            auto b = to_id_.find(byte_token(static_cast<unsigned char>(c)));
            if (b == to_id_.end()) break;
            bytes.push_back({b->second, b->first, {offset, offset + len}});
          }
          if (bytes.size() == part.size()) {
            out.insert(out.end(), bytes.begin(), bytes.end());
            done = true;
          }
        }
        if (!done) out.push_back({require_unk(), part, {offset, offset + len}});
      }
      offset += len;
    }
    return out;
  }

  std::optional<std::uint32_t> token_to_id(std::string_view token) const override {
    auto it = to_id_.find(std::string(token));
    if (it == to_id_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(std::uint32_t id) const override {
    if (id >= pieces_.size()) return std::nullopt;
    return pieces_[id].first;
  }
  std::size_t vocab_size() const override { return pieces_.size(); }

 private:
  std::uint32_t require_unk() const {
    if (!unk_) {
      throw Error(ErrorCode::kInvalidArgument,
                  "Unigram: the text has a character no piece covers and the model has no unk_id");
    }
    return *unk_;
  }

  // The best segmentation of `text`, unknown runs fused, as strings.
  std::vector<std::string> viterbi(std::string_view text) const {
    struct Node {
      double score = 0;
      std::int64_t start = -1;
      std::uint32_t id = 0;
    };
    std::vector<Node> best(text.size() + 1);
    std::size_t at = 0;
    while (at < text.size()) {
      double here = best[at].score;
      std::size_t char_len = std::min(
          unicode::sequence_length(static_cast<unsigned char>(text[at])), text.size() - at);
      bool single = false;
      trie_.common_prefixes(text.substr(at), [&](std::size_t len, std::uint32_t id) {
        Node& target = best[at + len];
        double score = here + pieces_[id].second;
        if (target.start < 0 || score > target.score) {
          target = {score, static_cast<std::int64_t>(at), id};
        }
        if (len == char_len) single = true;
      });
      if (!single) {
        Node& target = best[at + char_len];
        double score = here + unk_score_;
        if (target.start < 0 || score > target.score) {
          target = {score, static_cast<std::int64_t>(at), require_unk()};
        }
      }
      at += char_len;
    }
    std::vector<std::string> out;
    std::size_t end = text.size();
    std::size_t unk_end = 0;
    bool in_unk = false;
    while (end > 0) {
      const Node& node = best[end];
      auto start = static_cast<std::size_t>(node.start);
      bool is_unk = unk_ && node.id == *unk_;
      if (is_unk) {
        if (!in_unk) unk_end = end;
        in_unk = true;
      } else {
        if (in_unk) out.emplace_back(text.substr(end, unk_end - end));
        in_unk = false;
        out.emplace_back(text.substr(start, end - start));
      }
      end = start;
    }
    if (in_unk) out.emplace_back(text.substr(0, unk_end));
    std::reverse(out.begin(), out.end());
    return out;
  }

  std::vector<std::pair<std::string, double>> pieces_;
  std::unordered_map<std::string, std::uint32_t> to_id_;
  PieceTrie trie_;
  std::optional<std::uint32_t> unk_;
  bool byte_fallback_;
  double unk_score_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_unigram_model(const json::Json& config, const std::string& where) {
  const json::Json& list = json::require_array(config, "vocab", where);
  std::vector<std::pair<std::string, double>> pieces;
  pieces.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string at = where + ".vocab[" + std::to_string(i) + "]";
    const json::Json& entry = list[i];
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string()) {
      json::fail(at, "expected [\"piece\", score], found " + entry.dump());
    }
    pieces.emplace_back(entry[0].get<std::string>(), json::require_number(entry[1], at + "[1]"));
  }
  std::optional<std::uint32_t> unk;
  if (const json::Json* id = json::optional(config, "unk_id")) {
    unk = json::require_id(*id, where + ".unk_id");
    if (*unk >= pieces.size()) json::fail(where + ".unk_id", "is past the end of the vocabulary");
  }
  return std::make_unique<UnigramModel>(std::move(pieces), unk,
                                        json::bool_or(config, "byte_fallback", where, false));
}

}  // namespace hfserve::tokenizer
