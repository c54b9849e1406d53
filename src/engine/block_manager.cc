#include "engine/block_manager.h"

#include <algorithm>
#include <iterator>

#include "util/error.h"

namespace hfserve::engine {
namespace {

constexpr std::uint64_t kChainSeed = 0x9E3779B97F4A7C15ull;

// splitmix64's finaliser: a cheap, well-mixed 64-bit step.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::size_t blocks_for(std::size_t tokens, std::size_t block_size) {
  return (tokens + block_size - 1) / block_size;
}

}  // namespace

BlockManager::BlockManager(std::size_t num_blocks, std::size_t block_size, bool prefix_caching)
    : block_size_(block_size), prefix_caching_(prefix_caching), blocks_(num_blocks) {
  HFSERVE_CHECK(block_size > 0);
  free_.reserve(num_blocks);
  // Hand out low ids first (pop from the back).
  for (std::size_t i = num_blocks; i-- > 0;) free_.push_back(static_cast<BlockId>(i));
}

std::uint64_t BlockManager::chain_hash(std::uint64_t parent,
                                       std::span<const std::int32_t> tokens) const {
  std::uint64_t h = mix(parent);
  for (std::int32_t token : tokens) h = mix(h ^ static_cast<std::uint32_t>(token));
  return h;
}

BlockId BlockManager::lookup(std::uint64_t hash, std::span<const std::int32_t> tokens,
                             BlockId parent) const {
  auto it = cached_.find(hash);
  if (it == cached_.end()) return -1;
  const Block& block = blocks_[it->second];
  bool same_parent = block.parent == parent &&
                     (parent < 0 || blocks_[parent].generation == block.parent_generation);
  if (!same_parent ||
      !std::equal(tokens.begin(), tokens.end(), block.tokens.begin(), block.tokens.end())) {
    return -1;
  }
  return it->second;
}

BlockId BlockManager::take_fresh_block() {
  BlockId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    HFSERVE_CHECK(!evictable_.empty());
    id = evictable_.front();
    evictable_.pop_front();
    Block& evicted = blocks_[id];
    cached_.erase(evicted.hash);
    evicted.registered = false;
    evicted.tokens.clear();
    ++evicted.generation;
  }
  blocks_[id].refs = 1;
  return id;
}

void BlockManager::acquire(BlockId id) {
  Block& block = blocks_[id];
  if (block.refs == 0) {
    HFSERVE_CHECK(block.registered);
    evictable_.erase(block.lru);
  }
  ++block.refs;
}

void BlockManager::release(BlockId id) {
  Block& block = blocks_[id];
  HFSERVE_CHECK(block.refs > 0);
  if (--block.refs > 0) return;
  if (block.registered) {
    evictable_.push_back(id);
    block.lru = std::prev(evictable_.end());
  } else {
    free_.push_back(id);
  }
}

std::optional<std::size_t> BlockManager::allocate(SequenceId id,
                                                  std::span<const std::int32_t> tokens) {
  HFSERVE_CHECK(!contains(id));
  const std::size_t needed = blocks_for(tokens.size(), block_size_);

  std::vector<BlockId> hits;
  std::uint64_t hash = kChainSeed;
  if (prefix_caching_ && !tokens.empty()) {
    // Only blocks that end before the last token: its logits must be computed.
    const std::size_t max_hits = (tokens.size() - 1) / block_size_;
    for (std::size_t i = 0; i < max_hits; ++i) {
      auto block_tokens = tokens.subspan(i * block_size_, block_size_);
      std::uint64_t next = chain_hash(hash, block_tokens);
      BlockId hit = lookup(next, block_tokens, hits.empty() ? -1 : hits.back());
      if (hit < 0) break;
      hits.push_back(hit);
      hash = next;
    }
  }

  std::size_t hits_now_evictable = static_cast<std::size_t>(
      std::count_if(hits.begin(), hits.end(), [&](BlockId b) { return blocks_[b].refs == 0; }));
  if (needed - hits.size() > num_available_blocks() - hits_now_evictable) return std::nullopt;

  Sequence seq;
  seq.table.reserve(needed);
  for (BlockId hit : hits) {
    acquire(hit);
    seq.table.push_back(hit);
  }
  while (seq.table.size() < needed) seq.table.push_back(take_fresh_block());
  seq.tokens.assign(tokens.begin(), tokens.end());
  seq.hashed_blocks = hits.size();
  seq.last_hash = hash;
  if (prefix_caching_) {
    prefix_queries_ += tokens.size();
    prefix_hits_ += hits.size() * block_size_;
  }
  sequences_.emplace(id, std::move(seq));
  return hits.size() * block_size_;
}

bool BlockManager::append(SequenceId id, std::span<const std::int32_t> tokens,
                          std::vector<BlockCopy>& copies) {
  auto it = sequences_.find(id);
  HFSERVE_CHECK(it != sequences_.end());
  Sequence& seq = it->second;
  if (tokens.empty()) return true;
  const std::size_t old_len = seq.tokens.size();
  const std::size_t new_blocks =
      blocks_for(old_len + tokens.size(), block_size_) - seq.table.size();
  // Writing into a partly filled last block that another sequence shares needs a copy.
  const bool copy_last = old_len % block_size_ != 0 && blocks_[seq.table.back()].refs > 1;
  if (new_blocks + (copy_last ? 1 : 0) > num_available_blocks()) return false;

  if (copy_last) {
    BlockId copy = take_fresh_block();
    copies.push_back({seq.table.back(), copy});
    release(seq.table.back());
    seq.table.back() = copy;
  }
  for (std::size_t i = 0; i < new_blocks; ++i) seq.table.push_back(take_fresh_block());
  seq.tokens.insert(seq.tokens.end(), tokens.begin(), tokens.end());
  return true;
}

void BlockManager::commit_computed(SequenceId id, std::size_t num_tokens) {
  if (!prefix_caching_) return;
  auto it = sequences_.find(id);
  HFSERVE_CHECK(it != sequences_.end());
  Sequence& seq = it->second;
  const std::size_t full_blocks = std::min(num_tokens, seq.tokens.size()) / block_size_;
  for (std::size_t i = seq.hashed_blocks; i < full_blocks; ++i) {
    std::span<const std::int32_t> block_tokens(seq.tokens.data() + i * block_size_, block_size_);
    std::uint64_t hash = chain_hash(seq.last_hash, block_tokens);
    Block& block = blocks_[seq.table[i]];
    // A block with the same contents may already be cached (computed twice when two
    // requests raced); the first stays the one others find.
    if (!block.registered && cached_.count(hash) == 0) {
      block.registered = true;
      block.hash = hash;
      block.tokens.assign(block_tokens.begin(), block_tokens.end());
      block.parent = i == 0 ? -1 : seq.table[i - 1];
      block.parent_generation = i == 0 ? 0 : blocks_[seq.table[i - 1]].generation;
      cached_.emplace(hash, seq.table[i]);
    }
    seq.last_hash = hash;
    seq.hashed_blocks = i + 1;
  }
}

void BlockManager::fork(SequenceId parent, SequenceId child) {
  auto it = sequences_.find(parent);
  HFSERVE_CHECK(it != sequences_.end() && !contains(child));
  Sequence copy = it->second;
  for (BlockId block : copy.table) acquire(block);
  sequences_.emplace(child, std::move(copy));
}

void BlockManager::free(SequenceId id) {
  auto it = sequences_.find(id);
  if (it == sequences_.end()) return;
  // Last blocks first: they go to the front of the eviction order, so a shared prefix
  // outlives the tails that hang off it.
  for (auto block = it->second.table.rbegin(); block != it->second.table.rend(); ++block) {
    release(*block);
  }
  sequences_.erase(it);
}

const std::vector<BlockId>& BlockManager::block_table(SequenceId id) const {
  auto it = sequences_.find(id);
  HFSERVE_CHECK(it != sequences_.end());
  return it->second.table;
}

std::size_t BlockManager::num_tokens(SequenceId id) const {
  auto it = sequences_.find(id);
  HFSERVE_CHECK(it != sequences_.end());
  return it->second.tokens.size();
}

double BlockManager::usage() const {
  if (blocks_.empty()) return 0;
  return 1.0 - static_cast<double>(num_available_blocks()) / static_cast<double>(blocks_.size());
}

}  // namespace hfserve::engine
