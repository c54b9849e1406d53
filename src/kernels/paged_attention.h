// Internal to kernels/: paged attention (causal or not) written once over a "vector math" type that
// supplies dot(a, b, n), scale(acc, c, n) and axpy(acc, p, v, n). f32_ops.cc instantiates
// it with plain loops, the ISA files with their SIMD traits. The walk over key blocks, the
// online softmax and the window rules live here only. It calls compiler builtins rather than
// <cmath>: an inline std:: function compiled into an ISA file could be the copy the linker
// keeps for everyone.
//
// A work item is one query token and one KV head with all the query heads that share it
// (up to kHeadsPerPass at a time), so each key and value row is read from memory once per
// group rather than once per query head.
#pragma once

#include <cstddef>

#include "tensor/kernel_table.h"

namespace hfserve::kernels::detail {

inline constexpr std::size_t kHeadsPerPass = 8;

template <typename Math>
void paged_attention(const tensor::PagedAttentionArgs& a, std::size_t item_begin,
                     std::size_t item_end) {
  using Args = tensor::PagedAttentionArgs;
  const std::size_t group = a.n_heads / a.n_kv_heads;
  const std::size_t dim = a.head_dim;
  alignas(64) float acc[kHeadsPerPass][Args::kMaxHeadDim];
  alignas(64) float scores[kHeadsPerPass][Args::kMaxBlockSize];
  float running_max[kHeadsPerPass];
  float denominator[kHeadsPerPass];

  for (std::size_t item = item_begin; item < item_end; ++item) {
    const std::size_t t = item / a.n_kv_heads;
    const std::size_t kv_head = item % a.n_kv_heads;
    // The keys [first_key, last_key] this query sees: up to its own position when causal,
    // the whole sequence otherwise.
    const std::size_t pos = a.first_position + t;
    const std::size_t last_key = a.causal ? pos : a.first_position + a.n_tokens - 1;
    const std::size_t first_key = a.causal && a.sliding_window != 0 && pos + 1 > a.sliding_window
                                      ? pos + 1 - a.sliding_window
                                      : 0;

    for (std::size_t head0 = 0; head0 < group; head0 += kHeadsPerPass) {
      const std::size_t heads = group - head0 < kHeadsPerPass ? group - head0 : kHeadsPerPass;
      // The query rows of heads kv_head * group + head0 ... + heads - 1 of token t.
      const float* q = a.q + (t * a.n_heads + kv_head * group + head0) * dim;
      for (std::size_t h = 0; h < heads; ++h) {
        running_max[h] = -__builtin_inff();
        denominator[h] = 0;
        for (std::size_t d = 0; d < dim; ++d) acc[h][d] = 0;
      }

      for (std::size_t j = first_key; j <= last_key;) {
        const std::size_t slot = j % a.block_size;
        const std::size_t count =
            a.block_size - slot < last_key + 1 - j ? a.block_size - slot : last_key + 1 - j;
        const std::size_t base =
            (static_cast<std::size_t>(a.block_table[j / a.block_size]) * a.n_kv_heads + kv_head) *
                a.block_size +
            slot;
        const float* keys = a.k_cache + base * dim;
        const float* values = a.v_cache + base * dim;

        for (std::size_t s = 0; s < count; ++s) {
          for (std::size_t h = 0; h < heads; ++h) {
            scores[h][s] = Math::dot(q + h * dim, keys + s * dim, dim) * a.scale;
          }
        }
        for (std::size_t h = 0; h < heads; ++h) {
          float block_max = running_max[h];
          for (std::size_t s = 0; s < count; ++s) {
            block_max = scores[h][s] > block_max ? scores[h][s] : block_max;
          }
          // Rescale what was accumulated under the old maximum once per block, not per key.
          const float correction = __builtin_expf(running_max[h] - block_max);
          denominator[h] *= correction;
          Math::scale(acc[h], correction, dim);
          for (std::size_t s = 0; s < count; ++s) {
            scores[h][s] = __builtin_expf(scores[h][s] - block_max);
            denominator[h] += scores[h][s];
          }
          running_max[h] = block_max;
        }
        for (std::size_t s = 0; s < count; ++s) {
          for (std::size_t h = 0; h < heads; ++h) {
            Math::axpy(acc[h], scores[h][s], values + s * dim, dim);
          }
        }
        j += count;
      }

      float* out = a.out + (t * a.n_heads + kv_head * group + head0) * dim;
      for (std::size_t h = 0; h < heads; ++h) {
        const float inv = 1.0f / denominator[h];
        for (std::size_t d = 0; d < dim; ++d) out[h * dim + d] = acc[h][d] * inv;
      }
    }
  }
}

}  // namespace hfserve::kernels::detail
