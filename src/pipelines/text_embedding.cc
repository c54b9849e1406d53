#include "pipelines/text_embedding.h"

#include "models/pooling.h"
#include "pipelines/embeddings.h"

namespace hfserve::pipelines {

TextEmbedding embed_texts(const EncoderTasks& tasks, const std::vector<std::string>& texts,
                          const TaskSettings& settings) {
  std::vector<engine::EncoderInput> inputs =
      tasks.encode_instances(texts, settings.add_special_tokens);
  TextEmbedding result;
  for (const engine::EncoderInput& input : inputs) result.prompt_tokens += input.tokens.size();
  // Without modules.json the pooling is already mean (sentence-transformers' default);
  // KServe normalises it too.
  const bool normalize = !tasks.model().sentence_transformers.from_modules;
  for (const engine::EncoderResult& output : tasks.runner().submit(std::move(inputs)).get()) {
    std::vector<float> vector = pooled_embedding(tasks, output.hidden);
    if (normalize) models::l2_normalize(vector.data(), vector.size());
    result.vectors.push_back(std::move(vector));
  }
  return result;
}

}  // namespace hfserve::pipelines
