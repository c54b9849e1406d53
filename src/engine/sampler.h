// Sampler: turns one row of logits into the next token of one sequence under its
// SamplingParams, in vLLM's order: logit bias and min_tokens masking, penalties
// (repetition over prompt and output, presence and frequency over output), then greedy
// or temperature, top-k, top-p and min-p followed by a draw from the sequence's own
// random generator. Log-probabilities are those of the model's raw distribution (vLLM's
// default), taken before any of that processing.
//
// Stateless apart from the generator each sequence owns; any thread may call it on
// distinct rows.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engine/sampling_params.h"

namespace hfserve::engine {

struct TokenLogprob {
  std::int32_t token = 0;
  float logprob = 0;
};

struct SampledToken {
  std::int32_t token = 0;
  float logprob = 0;              // set when params.logprobs >= 0
  std::vector<TokenLogprob> top;  // params.logprobs entries, most likely first
};

// What one sequence's draw needs besides its logits.
struct SamplingContext {
  std::span<const std::int32_t> prompt;
  std::span<const std::int32_t> output;   // generated so far
  std::span<const std::int32_t> eos_ids;  // masked while output is shorter than min_tokens
  std::mt19937_64* rng = nullptr;
};

// Samples from `logits` ([vocab]); overwrites it with the processed logits.
SampledToken sample(std::span<float> logits, const SamplingParams& params,
                    const SamplingContext& context);

// The generator a sequence uses: from the request's seed and the choice index when a seed
// is given (reproducible), else from the system's entropy.
std::mt19937_64 make_rng(const SamplingParams& params, std::size_t choice);

}  // namespace hfserve::engine
