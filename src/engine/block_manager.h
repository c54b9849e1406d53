// BlockManager: the bookkeeping of the paged KV cache (tensor/kernel_table.h defines the
// memory layout): which fixed-size blocks each sequence owns, in position order (its block
// table), with prefix caching and copy-on-write.
//
// Prefix caching: once a full block's keys and values are computed (commit_computed), the
// block is registered under a hash of its tokens and of every token before it. A new
// sequence whose prompt starts with the same tokens reuses those blocks instead of
// recomputing them (a repeated system prompt is computed once). Blocks are shared by
// reference count; a block nobody references stays cached and is evicted least recently
// used first, only when a fresh block is needed.
//
// Copy-on-write: sequences forked for n > 1 share their blocks; the first write into a
// shared block gives the writer a private copy and reports the (from, to) pair so that the
// engine copies the block's keys and values before computing.
//
// Not thread-safe: owned and called by the engine's scheduler thread only.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace hfserve::engine {

using SequenceId = std::uint64_t;
using BlockId = std::int32_t;

struct BlockCopy {
  BlockId from;
  BlockId to;
};

class BlockManager {
 public:
  BlockManager(std::size_t num_blocks, std::size_t block_size, bool prefix_caching);

  // Makes `id` a sequence holding `tokens`, reusing cached blocks for the longest cached
  // prefix of whole blocks (never the block of the last token, whose logits must be
  // computed). Returns how many leading tokens are already computed, or nullopt, changing
  // nothing, when there are not enough blocks. `id` must not exist.
  std::optional<std::size_t> allocate(SequenceId id, std::span<const std::int32_t> tokens);

  // Appends tokens to sequence `id` (a decoded token, or the rest of a prompt), growing its
  // block table. Returns false, changing nothing, when blocks run out (the caller preempts
  // someone). Copies the engine must make before writing are appended to `copies`.
  bool append(SequenceId id, std::span<const std::int32_t> tokens, std::vector<BlockCopy>& copies);

  // Records that the first `num_tokens` tokens of `id` now have their keys and values in
  // the cache, which makes its full blocks up to there reusable by other sequences.
  void commit_computed(SequenceId id, std::size_t num_tokens);

  // Makes `child` a sequence sharing everything `parent` has (n > 1 sampling).
  void fork(SequenceId parent, SequenceId child);

  // Releases the sequence's blocks (finished, cancelled or preempted). Unknown ids are ignored.
  void free(SequenceId id);

  const std::vector<BlockId>& block_table(SequenceId id) const;
  std::size_t num_tokens(SequenceId id) const;
  bool contains(SequenceId id) const { return sequences_.count(id) != 0; }

  std::size_t block_size() const { return block_size_; }
  std::size_t num_blocks() const { return blocks_.size(); }
  // Blocks that a new allocation could take: never used, or cached and unreferenced.
  std::size_t num_available_blocks() const { return free_.size() + evictable_.size(); }
  // Fraction of blocks referenced by some sequence (the KV cache usage metric).
  double usage() const;
  // Prompt tokens looked up and found in the prefix cache, over the lifetime.
  std::uint64_t prefix_queries() const { return prefix_queries_; }
  std::uint64_t prefix_hits() const { return prefix_hits_; }
  // How many times the block was referenced (for tests and debugging).
  int ref_count(BlockId block) const { return blocks_[block].refs; }

 private:
  // A cache hit is checked exactly, not trusted to the hash: the block's own tokens must
  // match, and so must its parent, the block that held the previous tokens when this one
  // was registered (same id, and not evicted since: same generation). By induction the
  // whole prefix matches.
  struct Block {
    int refs = 0;
    bool registered = false;  // in cached_ under `hash`
    std::uint64_t hash = 0;
    std::uint64_t generation = 0;  // bumped when evicted, which invalidates its children
    BlockId parent = -1;
    std::uint64_t parent_generation = 0;
    std::vector<std::int32_t> tokens;  // the block's tokens while registered
    std::list<BlockId>::iterator lru;  // valid while registered and unreferenced
  };
  struct Sequence {
    std::vector<BlockId> table;
    std::vector<std::int32_t> tokens;
    std::size_t hashed_blocks = 0;  // leading full blocks whose hash is known
    std::uint64_t last_hash = 0;    // hash of block hashed_blocks - 1 (chain seed if 0 blocks)
  };

  std::uint64_t chain_hash(std::uint64_t parent, std::span<const std::int32_t> tokens) const;
  // The cached block registered under `hash` holding exactly `tokens` after block
  // `parent` (-1 for the first block), or -1.
  BlockId lookup(std::uint64_t hash, std::span<const std::int32_t> tokens, BlockId parent) const;
  BlockId take_fresh_block();
  void acquire(BlockId block);
  void release(BlockId block);

  std::size_t block_size_;
  bool prefix_caching_;
  std::vector<Block> blocks_;
  std::vector<BlockId> free_;     // never registered, unreferenced
  std::list<BlockId> evictable_;  // registered, unreferenced; least recently used first
  std::unordered_map<std::uint64_t, BlockId> cached_;
  std::unordered_map<SequenceId, Sequence> sequences_;
  std::uint64_t prefix_queries_ = 0;
  std::uint64_t prefix_hits_ = 0;
};

}  // namespace hfserve::engine
