// SamplingParams: how the engine picks each next token of one request, in the terms of
// OpenAI's and vLLM's request fields. Filled and range-checked by the pipeline from the
// request (validate() says what is wrong); the engine only reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace hfserve::engine {

struct SamplingParams {
  float temperature = 1.0f;         // 0: greedy
  std::int64_t top_k = 0;           // 0 or -1: off
  float top_p = 1.0f;               // (0, 1]
  float min_p = 0.0f;               // [0, 1]
  float repetition_penalty = 1.0f;  // > 0; HF's: divides positive logits of seen tokens
  float presence_penalty = 0.0f;    // [-2, 2]; OpenAI's, over generated tokens
  float frequency_penalty = 0.0f;   // [-2, 2]
  std::vector<std::pair<std::int32_t, float>> logit_bias;  // token, bias in [-100, 100]
  std::optional<std::uint64_t> seed;  // same seed, same tokens, whatever else is batched
  // Log-probabilities to return: -1 none, 0 the chosen token's only, k: also the top k.
  int logprobs = -1;
  std::size_t max_tokens = 16;
  std::size_t min_tokens = 0;  // EOS and stop tokens are masked until this many
  bool ignore_eos = false;
  std::vector<std::int32_t> stop_token_ids;
};

// Throws Error(kInvalidArgument) naming the first field out of range for a model with
// `vocab_size` tokens (OpenAI's names: "temperature", "top_p", ...).
void validate(const SamplingParams& params, std::size_t vocab_size);

}  // namespace hfserve::engine
