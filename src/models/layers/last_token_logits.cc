#include "models/layers/last_token_logits.h"

namespace hfserve::models {

void last_token_logits(const ForwardBatch& batch, const std::vector<float>& x, std::size_t hidden,
                       const std::function<void(const float*, float*)>& norm, const Linear& head,
                       ThreadPool& pool, std::vector<float>& logits) {
  std::size_t wanted = 0;
  for (const SequenceChunk& s : batch.sequences) wanted += s.want_logits ? 1 : 0;
  logits.assign(wanted * head.out_features(), 0.0f);
  std::vector<float> last(wanted * hidden);
  std::size_t rows = 0;
  for (const SequenceChunk& s : batch.sequences) {
    if (!s.want_logits || s.n_tokens == 0) continue;
    norm(&x[(s.first_token + s.n_tokens - 1) * hidden], &last[rows * hidden]);
    ++rows;
  }
  if (rows > 0) head.apply(pool, last.data(), rows, logits.data());
}

}  // namespace hfserve::models
