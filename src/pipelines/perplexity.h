// Perplexity of a causal LM over a text, computed as llama.cpp's perplexity tool computes
// it, so that a user comparing a quantisation gets the figure they know: the text's
// tokens (BOS first when the tokenizer adds one) are cut into non-overlapping windows of
// n_ctx tokens (a last partial window is dropped), each window starts with BOS in place of
// its first token, and only the second half of each window is scored: the mean negative
// log-likelihood of every token from position n_ctx / 2 + 1 on, given what precedes it
// in the window. Runs on the calling thread with its own KV cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "models/causal_lm.h"
#include "util/thread_pool.h"

namespace hfserve::pipelines {

struct PerplexityResult {
  double perplexity = 0;
  std::size_t windows = 0;
  std::size_t scored_tokens = 0;
  std::vector<double> running;  // the estimate after each window, as llama.cpp prints it
};

// Throws Error(kInvalidArgument) when n_ctx < 16, n_ctx exceeds the model's positions, or
// the text is shorter than one window (the message gives both token counts).
// At most `max_windows` windows are scored (0: every whole one, as llama.cpp's --chunks);
// `on_window(i, estimate)` is called after each window.
PerplexityResult perplexity(const models::CausalLM& model, const std::vector<std::int32_t>& tokens,
                            std::size_t n_ctx, std::optional<std::int32_t> bos, ThreadPool& pool,
                            std::size_t max_windows = 0,
                            const std::function<void(std::size_t, double)>& on_window = {});

}  // namespace hfserve::pipelines
