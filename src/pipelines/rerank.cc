#include "pipelines/rerank.h"

#include <cmath>

#include "util/error.h"

namespace hfserve::pipelines {

bool can_rerank(const EncoderTasks& tasks) {
  const models::EncoderModel& model = *tasks.model().model;
  return model.head() == models::EncoderHead::kSequenceClassification && model.num_labels() == 1;
}

RerankResult rerank(const EncoderTasks& tasks, const RerankRequest& request) {
  if (!can_rerank(tasks)) {
    throw Error(ErrorCode::kUnsupported,
                "this model (" + tasks.model().config.architecture +
                    ") cannot rerank: that takes a cross-encoder, a *ForSequenceClassification "
                    "model with one label");
  }
  if (request.documents.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "documents is empty: send at least one");
  }
  std::vector<engine::EncoderInput> inputs;
  inputs.reserve(request.documents.size());
  RerankResult result;
  for (std::size_t i = 0; i < request.documents.size(); ++i) {
    inputs.push_back(tasks.encode_pair(request.query, request.documents[i], request.truncate,
                                       "the query with document " + std::to_string(i)));
    result.prompt_tokens += inputs.back().tokens.size();
  }
  for (const engine::EncoderResult& output : tasks.runner().submit(std::move(inputs)).get()) {
    result.scores.push_back(1.0 / (1.0 + std::exp(-static_cast<double>(output.logits.at(0)))));
  }
  return result;
}

}  // namespace hfserve::pipelines
