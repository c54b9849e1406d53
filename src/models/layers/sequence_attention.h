// Attention over whole sequences held in memory, for the encoders and T5's stacks (the
// decoders attend through the paged KV cache instead, layers/causal_attention.h). Per
// sequence and head: scores = scale * Q Kᵀ + bias, a softmax per row (causal: over the
// keys up to the query's position), out = P V; both products by the kernel table's float
// GEMM, for chunks of queries so a long sequence's scores stay small.
#pragma once

#include <cstddef>
#include <span>

#include "util/thread_pool.h"

namespace hfserve::models {

// One sequence: its queries are rows [q_first, q_first + n_q) of q and out, its keys and
// values rows [kv_first, kv_first + n_kv) of k and v.
struct AttentionSpan {
  std::size_t q_first = 0;
  std::size_t n_q = 0;
  std::size_t kv_first = 0;
  std::size_t n_kv = 0;
};

struct SequenceAttention {
  // Rows of heads * head_dim floats, head h at columns [h * head_dim, (h + 1) * head_dim).
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* out = nullptr;  // may not alias q, k or v
  std::size_t heads = 0;
  std::size_t head_dim = 0;
  float scale = 1.0f;
  // Added to the scaled scores: [heads, n_q, n_kv] of each span (T5's position bias), or
  // null.
  const float* bias = nullptr;
  // Query i of a span sits at position n_kv - n_q + i and sees keys 0 ..= that position.
  bool causal = false;
};

void attend(ThreadPool& pool, const SequenceAttention& a, std::span<const AttentionSpan> spans);

}  // namespace hfserve::models
