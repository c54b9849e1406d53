#include "pipelines/embeddings.h"

#include "models/pooling.h"
#include "util/error.h"

namespace hfserve::pipelines {

std::size_t embedding_size(const EncoderTasks& tasks) {
  return models::pooled_size(tasks.model().sentence_transformers.pooling,
                             tasks.model().model->hidden_size());
}

std::vector<float> pooled_embedding(const EncoderTasks& tasks, const std::vector<float>& hidden) {
  const formats::SentenceTransformersConfig& st = tasks.model().sentence_transformers;
  const std::size_t size = tasks.model().model->hidden_size();
  std::vector<float> vector(embedding_size(tasks));
  models::pool(st.pooling, hidden.data(), hidden.size() / size, size, vector.data());
  if (st.normalize) models::l2_normalize(vector.data(), vector.size());
  return vector;
}

EmbeddingResult embed(const EncoderTasks& tasks, const EmbeddingRequest& request) {
  const std::size_t size = embedding_size(tasks);
  if (request.dimensions && (*request.dimensions < 1 || *request.dimensions > size)) {
    throw Error(ErrorCode::kInvalidArgument, "dimensions must be from 1 to " +
                                                 std::to_string(size) + " for this model, not " +
                                                 std::to_string(*request.dimensions));
  }
  const bool texts = !request.texts.empty();
  const std::size_t count = texts ? request.texts.size() : request.token_ids.size();
  std::vector<engine::EncoderInput> inputs;
  inputs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string what = count > 1 ? "input " + std::to_string(i) : "the input";
    inputs.push_back(texts ? tasks.encode(request.texts[i], request.truncate, what)
                           : tasks.from_ids(request.token_ids[i], request.truncate, what));
    if (inputs.back().tokens.empty()) {
      throw Error(ErrorCode::kInvalidArgument, what + " has no tokens");
    }
  }
  EmbeddingResult result;
  for (const engine::EncoderInput& input : inputs) result.prompt_tokens += input.tokens.size();

  const std::vector<engine::EncoderResult> outputs = tasks.runner().submit(std::move(inputs)).get();
  result.vectors.reserve(outputs.size());
  for (const engine::EncoderResult& output : outputs) {
    std::vector<float> vector = pooled_embedding(tasks, output.hidden);
    if (request.dimensions) {
      vector.resize(*request.dimensions);
      models::l2_normalize(vector.data(), vector.size());
    }
    result.vectors.push_back(std::move(vector));
  }
  return result;
}

}  // namespace hfserve::pipelines
