// KvCache: the memory of the paged KV cache: for every layer, keys and values of
// `num_blocks` blocks laid out as models/causal_lm.h's LayerKv says
// ([num_blocks, n_kv_heads, block_size, head_dim] F32). BlockManager decides who owns
// which block; this only holds the floats. Owned by the engine's scheduler thread.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

#include "engine/block_manager.h"
#include "models/causal_lm.h"

namespace hfserve::engine {

class KvCache {
 public:
  KvCache(const models::CausalLM& model, std::size_t num_blocks, std::size_t block_size);

  // Bytes one block takes across all layers, keys and values.
  static std::size_t block_bytes(const models::CausalLM& model, std::size_t block_size);

  const models::KvCacheView& view() const { return view_; }
  std::size_t num_blocks() const { return num_blocks_; }
  // Copies a block's keys and values in every layer (copy-on-write, BlockManager).
  void copy(const BlockCopy& copy);

 private:
  std::size_t num_blocks_;
  std::size_t block_floats_;  // one block of one layer's keys (or values)
  // Per layer: keys then values. calloc, not a vector: a large cache is mapped lazily by
  // the kernel instead of being written through once at startup.
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::vector<std::unique_ptr<float[], Free>> storage_;
  models::KvCacheView view_;
};

}  // namespace hfserve::engine
