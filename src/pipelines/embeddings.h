// Embeddings: texts (or token ids) to vectors, as SentenceTransformer.encode computes
// them: the encoder's last hidden states, pooled and (when the model has a Normalize
// module) scaled to unit length; with `dimensions`, cut to that many values and
// renormalised (Matryoshka embeddings, OpenAI's `dimensions`). Every input of a request
// runs through the EncoderRunner at once, batched with other requests' inputs.
// Any thread may call embed().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipelines/encoder_tasks.h"

namespace hfserve::pipelines {

struct EmbeddingRequest {
  // Exactly one of the two holds the inputs.
  std::vector<std::string> texts;
  std::vector<std::vector<std::int32_t>> token_ids;  // used as given
  bool truncate = false;  // cut inputs past max_model_len instead of refusing them
  std::optional<std::size_t> dimensions;
};

struct EmbeddingResult {
  std::vector<std::vector<float>> vectors;  // one per input, in order
  std::size_t prompt_tokens = 0;            // tokens computed, special tokens included
};

// The vector length before `dimensions`.
std::size_t embedding_size(const EncoderTasks& tasks);

// One input's vector from its hidden states [tokens, hidden_size]: pooled, and normalised
// when the model has a Normalize module (before any `dimensions`).
std::vector<float> pooled_embedding(const EncoderTasks& tasks, const std::vector<float>& hidden);

// Throws Error(kInvalidArgument) naming the input that is empty or too long, or a
// `dimensions` outside [1, embedding_size]; errors of the runner as it gives them.
EmbeddingResult embed(const EncoderTasks& tasks, const EmbeddingRequest& request);

}  // namespace hfserve::pipelines
