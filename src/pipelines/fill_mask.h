// Fill-mask over KServe's V1/V2 (task fill_mask): each text through a *ForMaskedLM model,
// scored at every mask token (the tokenizer's mask_token) it holds. As KServe's Hugging
// Face server answers: the argmax token of every mask decoded together into one string
// (transformers' decode, special tokens kept), or per mask the probabilities (rounded to
// 4 decimals) or logits of the whole vocabulary. Any thread may call fill_mask().
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pipelines/encoder_tasks.h"
#include "pipelines/task.h"

namespace hfserve::pipelines {

struct FillMask {
  ScoreFormat format = ScoreFormat::kIndex;
  std::size_t vocab_size = 0;
  std::vector<std::string> tokens;                       // kIndex: one per text
  std::vector<std::vector<std::vector<double>>> scores;  // otherwise: [texts][masks][vocab]
  std::size_t prompt_tokens = 0;
};

// Throws Error(kInvalidArgument) for a text without a mask token (after truncation),
// else as EncoderTasks::encode_instances; Error(kUnsupported) when the tokenizer has no mask token.
// The model must have a masked-LM head.
FillMask fill_mask(const EncoderTasks& tasks, const std::vector<std::string>& texts,
                   const TaskSettings& settings);

}  // namespace hfserve::pipelines
