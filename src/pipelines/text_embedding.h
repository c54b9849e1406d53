// Text embedding over KServe's V1/V2 (task text_embedding): one vector per text. KServe's
// Hugging Face server mean-pools the last hidden states and scales to unit length,
// whatever the model; hfserve runs the model's own sentence-transformers modules when its
// folder has modules.json (the same for all-MiniLM-L6-v2 and most embedding models, which
// are mean + Normalize; a CLS-pooled or unnormalised model gets the vectors
// SentenceTransformer gives), and KServe's mean pooling + L2 normalisation when it has
// none. Any thread may call embed_texts().
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pipelines/encoder_tasks.h"
#include "pipelines/task.h"

namespace hfserve::pipelines {

struct TextEmbedding {
  std::vector<std::vector<float>> vectors;  // [texts][embedding size]
  std::size_t prompt_tokens = 0;
};

// Throws as EncoderTasks::encode_instances, and errors of the runner as it gives them.
TextEmbedding embed_texts(const EncoderTasks& tasks, const std::vector<std::string>& texts,
                          const TaskSettings& settings);

}  // namespace hfserve::pipelines
