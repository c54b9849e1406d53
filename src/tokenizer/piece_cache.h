// PieceCache: the tokens of pre-tokenized pieces already seen, so that frequent words skip
// the BPE merge loop (HF's BPE keeps the same cache). As in HF, it holds at most
// `capacity` pieces of at most kMaxPieceBytes bytes and simply stops inserting once full:
// no eviction, so a hit never costs more than a hash lookup under a shared lock.
// Thread-safe: the pieces are spread over shards, each behind its own shared_mutex, so
// encode_batch's threads rarely meet on one lock.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/model.h"

namespace hfserve::tokenizer {

class PieceCache {
 public:
  // HF's DEFAULT_CACHE_CAPACITY and MAX_LENGTH.
  static constexpr std::size_t kDefaultCapacity = 10000;
  static constexpr std::size_t kMaxPieceBytes = 256;

  explicit PieceCache(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // The cached tokens of `piece`, if any.
  std::optional<std::vector<Token>> find(std::string_view piece) const;
  // Remembers `tokens` for `piece` unless the piece is too long or the cache is full.
  void insert(std::string_view piece, const std::vector<Token>& tokens);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, std::vector<Token>, Hash, std::equal_to<>> map;
  };
  static constexpr std::size_t kShards = 16;

  std::size_t capacity_;
  std::atomic<std::size_t> size_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace hfserve::tokenizer
