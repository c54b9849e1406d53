#include "pipelines/token_classification.h"

#include <span>

#include "pipelines/class_scores.h"

namespace hfserve::pipelines {

TokenClassification classify_tokens(const EncoderTasks& tasks,
                                    const std::vector<std::string>& texts,
                                    const TaskSettings& settings) {
  std::vector<tokenizer::Encoding> encodings;
  std::vector<engine::EncoderInput> inputs =
      tasks.encode_instances(texts, settings.add_special_tokens, &encodings);
  TokenClassification result;
  result.format = settings.format;
  result.num_labels = tasks.model().model->num_labels();
  for (const engine::EncoderInput& input : inputs) result.prompt_tokens += input.tokens.size();
  const std::vector<engine::EncoderResult> outputs = tasks.runner().submit(std::move(inputs)).get();
  const std::size_t labels = result.num_labels;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::span<const float> logits(outputs[i].logits);
    const std::size_t tokens = logits.size() / labels;
    if (settings.format == ScoreFormat::kIndex) {
      std::vector<std::int64_t>& row = result.labels.emplace_back();
      for (std::size_t t = 0; t < tokens; ++t)
        row.push_back(argmax(logits.subspan(t * labels, labels)));
    } else {
      std::vector<std::vector<double>>& rows = result.scores.emplace_back();
      for (std::size_t t = 0; t < tokens; ++t) {
        rows.push_back(class_scores(logits.subspan(t * labels, labels), settings.format));
      }
    }
    if (settings.offsets) {
      result.offsets.emplace_back(encodings[i].offsets.begin(), encodings[i].offsets.end());
    }
  }
  return result;
}

}  // namespace hfserve::pipelines
