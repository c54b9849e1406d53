// The task a KServe V1 or V2 request runs: its texts through the served encoder's task
// (pipelines/task.h), with the results of whichever task it is. kserve_v1.h and
// kserve_v2.h shape them into the two protocols' bodies. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "pipelines/fill_mask.h"
#include "pipelines/sequence_classification.h"
#include "pipelines/task.h"
#include "pipelines/text_embedding.h"
#include "pipelines/token_classification.h"

namespace hfserve::server {

using TaskResult = std::variant<pipelines::SequenceClassification, pipelines::TokenClassification,
                                pipelines::FillMask, pipelines::TextEmbedding>;

// Throws Error(kUnsupported) for a task the V1/V2 routes do not serve (rerank: /v1/rerank),
// else the pipeline's errors.
TaskResult run_task(const pipelines::EncoderTasks& tasks, const pipelines::TaskSettings& settings,
                    const std::vector<std::string>& texts);

// Tokens computed for the result, special tokens included.
std::size_t prompt_tokens(const TaskResult& result);

}  // namespace hfserve::server
