// Token classification over KServe's V1/V2 (task token_classification): each text through
// a *ForTokenClassification model, every token answered as KServe's Hugging Face server
// answers (pipelines/class_scores.h), with the tokens' character offsets when asked
// (--return_offsets_mapping). Only each text's own tokens are answered: KServe pads a
// batch to its longest text and answers the padding too. Any thread may call
// classify_tokens().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pipelines/encoder_tasks.h"
#include "pipelines/task.h"

namespace hfserve::pipelines {

struct TokenClassification {
  ScoreFormat format = ScoreFormat::kIndex;
  std::size_t num_labels = 0;
  std::vector<std::vector<std::int64_t>> labels;         // kIndex: [texts][tokens]
  std::vector<std::vector<std::vector<double>>> scores;  // otherwise: [texts][tokens][labels]
  // settings.offsets: [texts][tokens] (start, end) in characters; (0, 0) for special tokens.
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> offsets;
  std::size_t prompt_tokens = 0;
};

// Throws as EncoderTasks::encode_instances, and errors of the runner as it gives them. The
// model must have a token-classification head (check_encoder_task).
TokenClassification classify_tokens(const EncoderTasks& tasks,
                                    const std::vector<std::string>& texts,
                                    const TaskSettings& settings);

}  // namespace hfserve::pipelines
