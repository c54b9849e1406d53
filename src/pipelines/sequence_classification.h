// Sequence classification over KServe's V1/V2 (task sequence_classification): each text
// through a *ForSequenceClassification model, answered as KServe's Hugging Face server
// answers (pipelines/class_scores.h). Every text of a request runs through the
// EncoderRunner at once. Any thread may call classify_sequences().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pipelines/encoder_tasks.h"
#include "pipelines/task.h"

namespace hfserve::pipelines {

struct SequenceClassification {
  ScoreFormat format = ScoreFormat::kIndex;
  std::size_t num_labels = 0;
  std::vector<std::int64_t> labels;         // kIndex: the argmax, one per text
  std::vector<std::vector<double>> scores;  // otherwise: [texts][num_labels]
  std::size_t prompt_tokens = 0;
};

// Throws as EncoderTasks::encode_instances, and errors of the runner as they come. The model must
// have a sequence-classification head (check_encoder_task).
SequenceClassification classify_sequences(const EncoderTasks& tasks,
                                          const std::vector<std::string>& texts,
                                          const TaskSettings& settings);

}  // namespace hfserve::pipelines
