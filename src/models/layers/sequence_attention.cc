#include "models/layers/sequence_attention.h"

#include <algorithm>
#include <vector>

#include "tensor/kernel_table.h"

namespace hfserve::models {
namespace {

// Queries per pass: their scores [kQueryChunk, n_kv] stay in L2 for sequences of a few
// thousand keys; a multiple of the GEMM's token tiles (12 on AVX-512, 6 on AVX2).
constexpr std::size_t kQueryChunk = 48;

// One span and head, its queries [i0, i1): scores by the GEMM (keys as its weight rows),
// softmax per row, then P V with the values as a weight matrix stored by columns.
void attend_chunk(const tensor::KernelTable& k, const SequenceAttention& a,
                  const AttentionSpan& span, std::size_t head, std::size_t i0, std::size_t i1,
                  std::vector<float>& scores) {
  const std::size_t width = a.heads * a.head_dim;
  const std::size_t offset = span.n_kv - span.n_q;
  const std::size_t keys = a.causal ? offset + i1 : span.n_kv;  // those any query here sees
  scores.resize((i1 - i0) * keys);
  const std::size_t column = head * a.head_dim;
  k.gemm_f32(a.k + span.kv_first * width + column, width, a.head_dim,
             a.q + (span.q_first + i0) * width + column, width, i1 - i0, 0, keys, scores.data(),
             keys);
  for (std::size_t i = i0; i < i1; ++i) {
    float* row = scores.data() + (i - i0) * keys;
    const std::size_t seen = a.causal ? offset + i + 1 : span.n_kv;
    const float* bias = a.bias ? a.bias + (head * span.n_q + i) * span.n_kv : nullptr;
    for (std::size_t j = 0; j < seen; ++j) row[j] = row[j] * a.scale + (bias ? bias[j] : 0.0f);
    k.softmax_f32(row, seen);
    std::fill(row + seen, row + keys, 0.0f);
  }
  k.gemm_f32_by_columns(a.v + span.kv_first * width + column, width, keys, scores.data(), keys,
                        i1 - i0, 0, a.head_dim, a.out + (span.q_first + i0) * width + column,
                        width);
}

}  // namespace

void attend(ThreadPool& pool, const SequenceAttention& a, std::span<const AttentionSpan> spans) {
  const tensor::KernelTable& k = tensor::kernel_table();
  // Items: (span, head, chunk of queries), numbered span by span and head by head, so
  // consecutive items read the same keys and values.
  std::vector<std::size_t> first_item(spans.size() + 1, 0);
  std::size_t work = 0;
  for (std::size_t s = 0; s < spans.size(); ++s) {
    const std::size_t chunks = (spans[s].n_q + kQueryChunk - 1) / kQueryChunk;
    first_item[s + 1] = first_item[s] + chunks * a.heads;
    work += spans[s].n_q * spans[s].n_kv * a.head_dim * a.heads;
  }
  const std::size_t items = first_item.back();
  if (items == 0) return;
  // Worth a thread past about 2^18 multiply-adds per range.
  const std::size_t per_item = std::max<std::size_t>(1, work / items);
  pool.parallel_for(
      items,
      [&](std::size_t begin, std::size_t end) {
        std::vector<float> scores;
        std::size_t s =
            std::upper_bound(first_item.begin(), first_item.end(), begin) - first_item.begin() - 1;
        for (std::size_t item = begin; item < end; ++item) {
          while (item >= first_item[s + 1]) ++s;
          const std::size_t local = item - first_item[s];
          const std::size_t chunks = (first_item[s + 1] - first_item[s]) / a.heads;
          const std::size_t head = local / chunks;
          const std::size_t i0 = local % chunks * kQueryChunk;
          const std::size_t i1 = std::min(i0 + kQueryChunk, spans[s].n_q);
          attend_chunk(k, a, spans[s], head, i0, i1, scores);
        }
      },
      std::max<std::size_t>(1, (std::size_t{1} << 18) / per_item));
}

}  // namespace hfserve::models
