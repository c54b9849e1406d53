// BPE as in HF tokenizers: characters (with the continuing-subword prefix and end-of-word
// suffix) become symbols, unknown ones fall back to <0xXX> byte tokens or the unknown
// token, then the adjacent pair of lowest merge rank is merged until none is left. The
// tokens of pieces up to 256 bytes are remembered (PieceCache), as HF does.
#include <algorithm>
#include <queue>
#include <unordered_map>

#include "tokenizer/model.h"
#include "tokenizer/piece_cache.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"
#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

struct MergeTarget {
  std::uint32_t rank;
  std::uint32_t new_id;
};

std::uint64_t pair_key(std::uint32_t a, std::uint32_t b) {
  return (static_cast<std::uint64_t>(a) << 32) | b;
}

struct Symbol {
  std::uint32_t id;
  std::uint32_t start;  // bytes in the piece
  std::uint32_t len;    // 0 once merged into its left neighbour
  int prev;
  int next;
};

struct Candidate {
  std::uint32_t rank;
  int pos;
  std::uint32_t new_id;
  // Lowest rank first, then leftmost.
  bool operator<(const Candidate& other) const {
    return rank != other.rank ? rank > other.rank : pos > other.pos;
  }
};

class BpeModel : public Model {
 public:
  BpeModel(Vocab vocab, std::unordered_map<std::uint64_t, MergeTarget> merges,
           std::optional<std::string> unk, std::string prefix, std::string suffix, bool fuse_unk,
           bool byte_fallback, bool ignore_merges)
      : vocab_(std::move(vocab)),
        merges_(std::move(merges)),
        unk_(std::move(unk)),
        prefix_(std::move(prefix)),
        suffix_(std::move(suffix)),
        fuse_unk_(fuse_unk),
        byte_fallback_(byte_fallback),
        ignore_merges_(ignore_merges) {
    for (const auto& [token, id] : vocab_.to_id) {
      if (token.size() <= 4) short_ids_.emplace(short_key(token), id);
    }
    if (byte_fallback_) {
      for (int b = 0; b < 256; ++b) {
        auto it = vocab_.to_id.find(byte_token(static_cast<unsigned char>(b)));
        byte_ids_[b] = it == vocab_.to_id.end() ? -1 : static_cast<std::int64_t>(it->second);
      }
    }
  }

  std::vector<Token> tokenize(std::string_view piece) const override {
    if (piece.empty()) return {};
    // Walking `next` from symbol 0 sees exactly the live symbols: a merge keeps the left
    // one, so symbol 0 is never absorbed.
    if (ignore_merges_) {
      auto it = vocab_.to_id.find(std::string(piece));
      if (it != vocab_.to_id.end()) return {{it->second, std::string(piece), {0, piece.size()}}};
    }
    if (auto cached = cache_.find(piece)) return std::move(*cached);
    std::vector<Symbol> symbols = initial_symbols(piece);
    merge(symbols);
    std::vector<Token> out;
    for (int i = symbols.empty() ? -1 : 0; i != -1; i = symbols[static_cast<std::size_t>(i)].next) {
      const Symbol& s = symbols[static_cast<std::size_t>(i)];
      out.push_back({s.id, vocab_.to_token[s.id], {s.start, s.start + s.len}});
    }
    cache_.insert(piece, out);
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
  std::vector<Symbol> initial_symbols(std::string_view piece) const {
    std::vector<Symbol> symbols;
    symbols.reserve(piece.size());
    auto add = [&](std::uint32_t id, std::size_t start, std::size_t len) {
      int index = static_cast<int>(symbols.size());
      symbols.push_back(
          {id, static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(len), index - 1, -1});
      if (index > 0) symbols[static_cast<std::size_t>(index - 1)].next = index;
    };
    // A pending unknown run: start and length in bytes.
    bool have_unk = false;
    std::size_t unk_start = 0;
    std::size_t unk_len = 0;
    std::uint32_t unk_id = 0;
    auto flush_unk = [&]() {
      if (have_unk) add(unk_id, unk_start, unk_len);
      have_unk = false;
    };
    std::string key;
    std::size_t pos = 0;
    while (pos < piece.size()) {
      std::size_t len = std::min(unicode::sequence_length(static_cast<unsigned char>(piece[pos])),
                                 piece.size() - pos);
      bool first = pos == 0;
      bool last = pos + len == piece.size();
      key.clear();
      if (!first) key += prefix_;
      key.append(piece.substr(pos, len));
      if (last) key += suffix_;
      if (std::optional<std::uint32_t> id = lookup(key)) {
        flush_unk();
        add(*id, pos, len);
        pos += len;
        continue;
      }
      if (byte_fallback_) {
        bool all = true;
        for (char c : key) all = all && byte_ids_[static_cast<unsigned char>(c)] >= 0;
        if (all) {
          flush_unk();
          // Every byte token spans one byte, as HF counts them (prefix bytes included).
          std::size_t at = pos;
          for (char c : key) {
            add(static_cast<std::uint32_t>(byte_ids_[static_cast<unsigned char>(c)]), at, 1);
            ++at;
          }
          pos += len;
          continue;
        }
      }
      if (unk_) {
        auto unk = vocab_.to_id.find(*unk_);
        if (unk == vocab_.to_id.end()) {
          throw Error(ErrorCode::kInvalidArgument,
                      "BPE: the unknown token \"" + *unk_ + "\" is not in the vocabulary");
        }
        if (have_unk && fuse_unk_) {
          unk_len += len;
        } else {
          flush_unk();
          have_unk = true;
          unk_start = pos;
          unk_len = len;
          unk_id = unk->second;
        }
      }
      pos += len;
    }
    flush_unk();
    return symbols;
  }

  // A character's token: most keys are one character of at most 4 bytes, looked up by an
  // integer instead of hashing a string.
  static std::uint64_t short_key(std::string_view bytes) {
    std::uint64_t key = bytes.size();
    for (char c : bytes) key = key << 8 | static_cast<unsigned char>(c);
    return key;
  }
  std::optional<std::uint32_t> lookup(std::string_view key) const {
    if (key.size() <= 4) {
      auto it = short_ids_.find(short_key(key));
      if (it == short_ids_.end()) return std::nullopt;
      return it->second;
    }
    auto it = vocab_.to_id.find(std::string(key));
    if (it == vocab_.to_id.end()) return std::nullopt;
    return it->second;
  }

  const MergeTarget* find_merge(std::uint32_t a, std::uint32_t b) const {
    auto it = merges_.find(pair_key(a, b));
    return it == merges_.end() ? nullptr : &it->second;
  }

  void merge(std::vector<Symbol>& symbols) const {
    if (symbols.size() < 2) return;
    std::priority_queue<Candidate> queue;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      if (const MergeTarget* m = find_merge(symbols[i].id, symbols[i + 1].id)) {
        queue.push({m->rank, static_cast<int>(i), m->new_id});
      }
    }
    while (!queue.empty()) {
      Candidate top = queue.top();
      queue.pop();
      Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
      if (left.len == 0 || left.next == -1) continue;
      Symbol& right = symbols[static_cast<std::size_t>(left.next)];
      const MergeTarget* m = find_merge(left.id, right.id);
      if (m == nullptr || m->new_id != top.new_id) continue;
      left.id = m->new_id;
      left.len += right.len;
      right.len = 0;
      left.next = right.next;
      if (left.next != -1) symbols[static_cast<std::size_t>(left.next)].prev = top.pos;
      if (left.prev != -1) {
        const Symbol& prev = symbols[static_cast<std::size_t>(left.prev)];
        if (const MergeTarget* pm = find_merge(prev.id, left.id)) {
          queue.push({pm->rank, left.prev, pm->new_id});
        }
      }
      if (left.next != -1) {
        const Symbol& next = symbols[static_cast<std::size_t>(left.next)];
        if (const MergeTarget* nm = find_merge(left.id, next.id)) {
          queue.push({nm->rank, top.pos, nm->new_id});
        }
      }
    }
  }

  Vocab vocab_;
  std::unordered_map<std::uint64_t, std::uint32_t> short_ids_;  // tokens of up to 4 bytes
  std::unordered_map<std::uint64_t, MergeTarget> merges_;
  std::optional<std::string> unk_;
  std::string prefix_;
  std::string suffix_;
  bool fuse_unk_;
  bool byte_fallback_;
  bool ignore_merges_;
  std::int64_t byte_ids_[256] = {};
  // Written from const tokenize(): a memo that never changes a result.
  mutable PieceCache cache_;
};

// One merge entry: "a b" or ["a", "b"].
std::pair<std::string, std::string> read_merge(const json::Json& entry, const std::string& where) {
  if (entry.is_string()) {
    const std::string& line = entry.get_ref<const std::string&>();
    std::size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
      json::fail(where, "expected \"left right\" (one space), found \"" + line + "\"");
    }
    return {line.substr(0, space), line.substr(space + 1)};
  }
  if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
    return {entry[0].get<std::string>(), entry[1].get<std::string>()};
  }
  json::fail(where, "expected \"left right\" or [\"left\", \"right\"], found " + entry.dump());
}

}  // namespace

std::unique_ptr<Model> make_bpe_model(const json::Json& config, const std::string& where) {
  Vocab vocab = read_vocab(config, where);
  const json::Json& list = json::require_array(config, "merges", where);
  std::string prefix = json::string_or(config, "continuing_subword_prefix", where, "");
  std::unordered_map<std::uint64_t, MergeTarget> merges;
  merges.reserve(list.size() * 2);
  for (std::size_t rank = 0; rank < list.size(); ++rank) {
    std::string at = where + ".merges[" + std::to_string(rank) + "]";
    auto [left, right] = read_merge(list[rank], at);
    auto a = vocab.to_id.find(left);
    auto b = vocab.to_id.find(right);
    if (a == vocab.to_id.end()) json::fail(at, "\"" + left + "\" is not in the vocabulary");
    if (b == vocab.to_id.end()) json::fail(at, "\"" + right + "\" is not in the vocabulary");
    // The merged token drops the right part's continuing-subword prefix (HF cuts its
    // length off unconditionally).
    std::string merged = left + right.substr(std::min(prefix.size(), right.size()));
    auto c = vocab.to_id.find(merged);
    if (c == vocab.to_id.end()) {
      json::fail(at, "the merged token \"" + merged + "\" is not in the vocabulary");
    }
    // A repeated pair keeps its last rank, as HF's map does.
    merges.insert_or_assign(pair_key(a->second, b->second),
                            MergeTarget{static_cast<std::uint32_t>(rank), c->second});
  }
  return std::make_unique<BpeModel>(
      std::move(vocab), std::move(merges), json::optional_string(config, "unk_token", where),
      std::move(prefix), json::string_or(config, "end_of_word_suffix", where, ""),
      json::bool_or(config, "fuse_unk", where, false),
      json::bool_or(config, "byte_fallback", where, false),
      json::bool_or(config, "ignore_merges", where, false));
}

}  // namespace hfserve::tokenizer
