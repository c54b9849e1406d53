#include "pipelines/perplexity.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/kv_cache.h"
#include "util/error.h"

namespace hfserve::pipelines {

PerplexityResult perplexity(const models::CausalLM& model, const std::vector<std::int32_t>& tokens,
                            std::size_t n_ctx, std::optional<std::int32_t> bos, ThreadPool& pool,
                            std::size_t max_windows,
                            const std::function<void(std::size_t, double)>& on_window) {
  const auto positions = static_cast<std::size_t>(model.config().max_position_embeddings);
  if (n_ctx < 16 || (positions > 0 && n_ctx > positions)) {
    throw Error(ErrorCode::kInvalidArgument, "--ctx " + std::to_string(n_ctx) +
                                                 " must be from 16 to the model's " +
                                                 std::to_string(positions) + " positions");
  }
  std::size_t windows = tokens.size() / n_ctx;
  if (windows == 0) {
    throw Error(ErrorCode::kInvalidArgument, "the text has " + std::to_string(tokens.size()) +
                                                 " tokens, fewer than one window of --ctx " +
                                                 std::to_string(n_ctx) +
                                                 ": give a longer text or a smaller --ctx");
  }
  if (max_windows > 0) windows = std::min(windows, max_windows);
  constexpr std::size_t kBlock = 16;
  const std::size_t blocks = (n_ctx + kBlock - 1) / kBlock;
  engine::KvCache cache(model, blocks, kBlock);
  std::vector<std::int32_t> table(blocks);
  std::iota(table.begin(), table.end(), 0);

  // One forward pass per window: the first half as one chunk, then every later position
  // as a one-token chunk of the same sequence asking for logits. Chunks run in order
  // within each layer, so each sees the keys of every position before it.
  const std::size_t first = n_ctx / 2;
  std::vector<models::SequenceChunk> chunks;
  chunks.push_back({0, first, 0, table.data(), false});
  for (std::size_t p = first; p + 1 < n_ctx; ++p) chunks.push_back({p, 1, p, table.data(), true});
  const std::size_t vocab = model.vocab_size();

  PerplexityResult result;
  double nll = 0;
  std::vector<float> logits;
  for (std::size_t w = 0; w < windows; ++w) {
    std::vector<std::int32_t> window(tokens.begin() + w * n_ctx, tokens.begin() + (w + 1) * n_ctx);
    if (bos) window[0] = *bos;
    // The last position only is a target, never an input: it is not run.
    const std::vector<std::int32_t> inputs(window.begin(), window.end() - 1);
    model.forward({inputs, chunks}, cache.view(), pool, logits);
    for (std::size_t k = 0; k + 1 < chunks.size(); ++k) {
      const float* row = &logits[k * vocab];
      const std::int32_t target = window[first + k + 1];
      const float max = *std::max_element(row, row + vocab);
      double sum = 0;
      for (std::size_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v] - max));
      nll += std::log(sum) - static_cast<double>(row[target] - max);
      ++result.scored_tokens;
    }
    result.running.push_back(std::exp(nll / static_cast<double>(result.scored_tokens)));
    if (on_window) on_window(w, result.running.back());
  }
  result.windows = windows;
  result.perplexity = result.running.back();
  return result;
}

}  // namespace hfserve::pipelines
