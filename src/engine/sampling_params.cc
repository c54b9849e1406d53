#include "engine/sampling_params.h"

#include <cmath>
#include <string>

#include "util/error.h"

namespace hfserve::engine {
namespace {

void require(bool ok, const std::string& field, const std::string& rule) {
  if (!ok) throw Error(ErrorCode::kInvalidArgument, field + " must be " + rule);
}

}  // namespace

void validate(const SamplingParams& p, std::size_t vocab_size) {
  require(std::isfinite(p.temperature) && p.temperature >= 0, "temperature", ">= 0");
  require(p.top_k >= -1, "top_k", "-1, 0 (off) or a positive count");
  require(p.top_p > 0 && p.top_p <= 1, "top_p", "in (0, 1]");
  require(p.min_p >= 0 && p.min_p <= 1, "min_p", "in [0, 1]");
  require(std::isfinite(p.repetition_penalty) && p.repetition_penalty > 0, "repetition_penalty",
          "> 0");
  require(p.presence_penalty >= -2 && p.presence_penalty <= 2, "presence_penalty", "in [-2, 2]");
  require(p.frequency_penalty >= -2 && p.frequency_penalty <= 2, "frequency_penalty", "in [-2, 2]");
  require(p.logprobs >= -1 && p.logprobs <= 20, "top_logprobs", "in [0, 20]");
  require(p.max_tokens >= 1, "max_tokens", ">= 1");
  require(p.min_tokens <= p.max_tokens, "min_tokens", "<= max_tokens");
  const std::string vocab = "in [0, " + std::to_string(vocab_size) + ")";
  for (const auto& [token, bias] : p.logit_bias) {
    require(token >= 0 && static_cast<std::size_t>(token) < vocab_size,
            "logit_bias token " + std::to_string(token), vocab);
    require(bias >= -100 && bias <= 100, "logit_bias value", "in [-100, 100]");
  }
  for (std::int32_t token : p.stop_token_ids) {
    require(token >= 0 && static_cast<std::size_t>(token) < vocab_size,
            "stop_token_ids entry " + std::to_string(token), vocab);
  }
}

}  // namespace hfserve::engine
