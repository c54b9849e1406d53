#include "models/layers/causal_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/kernel_table.h"

namespace hfserve::models {

void causal_attention(const ForwardBatch& batch, const LayerKv& cache, std::size_t block_size,
                      const CausalAttentionShape& shape, const float* q, const float* k,
                      const float* v, ThreadPool& pool, float* out) {
  const std::size_t n_heads = shape.n_heads, n_kv = shape.n_kv_heads, hd = shape.head_dim;
  const tensor::KernelTable& kernels = tensor::kernel_table();
  for (const SequenceChunk& s : batch.sequences) {
    for (std::size_t i = 0; i < s.n_tokens; ++i) {
      const std::size_t t = s.first_token + i, pos = s.first_position + i;
      const std::size_t block = static_cast<std::size_t>(s.block_table[pos / block_size]);
      for (std::size_t head = 0; head < n_kv; ++head) {
        const std::size_t at = ((block * n_kv + head) * block_size + pos % block_size) * hd;
        std::memcpy(cache.k + at, &k[(t * n_kv + head) * hd], hd * sizeof(float));
        std::memcpy(cache.v + at, &v[(t * n_kv + head) * hd], hd * sizeof(float));
      }
    }
    tensor::PagedAttentionArgs args;
    args.q = &q[s.first_token * n_heads * hd];
    args.out = &out[s.first_token * n_heads * hd];
    args.k_cache = cache.k;
    args.v_cache = cache.v;
    args.block_table = s.block_table;
    args.n_tokens = s.n_tokens;
    args.n_heads = n_heads;
    args.n_kv_heads = n_kv;
    args.head_dim = hd;
    args.block_size = block_size;
    args.first_position = s.first_position;
    args.sliding_window = shape.sliding_window;
    args.scale = 1.0f / std::sqrt(static_cast<float>(hd));
    // One item reads (position + 1) keys and values of head_dim: only worth a thread past
    // about 32K of them.
    const std::size_t per_item = (s.first_position + s.n_tokens) * hd;
    pool.parallel_for(
        s.n_tokens * n_kv,
        [&](std::size_t begin, std::size_t end) { kernels.paged_attention_f32(args, begin, end); },
        std::max<std::size_t>(1, (std::size_t{1} << 15) / per_item));
  }
}

}  // namespace hfserve::models
