// Causal self-attention of a decoder layer over the paged KV cache the engine owns
// (layout: tensor/kernel_table.h): writes each new token's key and value into its
// sequence's blocks, then runs the paged attention kernel for every sequence of the
// batch. Shared by every decoder architecture; called from the scheduler thread.
#pragma once

#include <cstddef>

#include "models/causal_lm.h"
#include "util/thread_pool.h"

namespace hfserve::models {

struct CausalAttentionShape {
  std::size_t n_heads = 0;
  std::size_t n_kv_heads = 0;
  std::size_t head_dim = 0;
  std::size_t sliding_window = 0;  // 0: none
};

// q: [tokens, n_heads, head_dim]; k, v: [tokens, n_kv_heads, head_dim] (positions already
// applied); out: [tokens, n_heads, head_dim].
void causal_attention(const ForwardBatch& batch, const LayerKv& cache, std::size_t block_size,
                      const CausalAttentionShape& shape, const float* q, const float* k,
                      const float* v, ThreadPool& pool, float* out);

}  // namespace hfserve::models
