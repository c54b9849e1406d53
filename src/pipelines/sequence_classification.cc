#include "pipelines/sequence_classification.h"

#include "pipelines/class_scores.h"
#include "util/error.h"

namespace hfserve::pipelines {

SequenceClassification classify_sequences(const EncoderTasks& tasks,
                                          const std::vector<std::string>& texts,
                                          const TaskSettings& settings) {
  std::vector<engine::EncoderInput> inputs =
      tasks.encode_instances(texts, settings.add_special_tokens);
  SequenceClassification result;
  result.format = settings.format;
  result.num_labels = tasks.model().model->num_labels();
  for (const engine::EncoderInput& input : inputs) result.prompt_tokens += input.tokens.size();
  for (const engine::EncoderResult& output : tasks.runner().submit(std::move(inputs)).get()) {
    if (settings.format == ScoreFormat::kIndex) {
      result.labels.push_back(argmax(output.logits));
    } else {
      result.scores.push_back(class_scores(output.logits, settings.format));
    }
  }
  return result;
}

}  // namespace hfserve::pipelines
