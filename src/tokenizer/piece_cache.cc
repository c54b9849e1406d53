#include "tokenizer/piece_cache.h"

#include <mutex>

namespace hfserve::tokenizer {

std::optional<std::vector<Token>> PieceCache::find(std::string_view piece) const {
  if (piece.size() > kMaxPieceBytes || size_.load(std::memory_order_relaxed) == 0) {
    return std::nullopt;
  }
  const Shard& s = shards_[Hash{}(piece) % kShards];
  std::shared_lock lock(s.mutex);
  auto it = s.map.find(piece);
  if (it == s.map.end()) return std::nullopt;
  return it->second;
}

void PieceCache::insert(std::string_view piece, const std::vector<Token>& tokens) {
  if (piece.size() > kMaxPieceBytes || size_.load(std::memory_order_relaxed) >= capacity_) return;
  Shard& s = shards_[Hash{}(piece) % kShards];
  std::unique_lock lock(s.mutex);
  if (s.map.emplace(std::string(piece), tokens).second) {
    size_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace hfserve::tokenizer
