// Rerank: how relevant each document is to a query, as a cross-encoder scores it
// (sentence-transformers' CrossEncoder.predict): the (query, document) pair through a
// sequence-classification model with one label, the logit through a sigmoid. Every
// pair of a request runs through the EncoderRunner at once. Any thread may call rerank().
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pipelines/encoder_tasks.h"

namespace hfserve::pipelines {

struct RerankRequest {
  std::string query;
  std::vector<std::string> documents;
  bool truncate = false;  // cut pairs past max_model_len (longest member first)
};

struct RerankResult {
  std::vector<double> scores;  // in the documents' order, each in (0, 1)
  std::size_t prompt_tokens = 0;
};

// Whether the model can rerank: a sequence-classification head with one label.
bool can_rerank(const EncoderTasks& tasks);

// Throws Error: kUnsupported when !can_rerank (saying what the model is),
// kInvalidArgument for no documents or a pair too long (naming the document).
RerankResult rerank(const EncoderTasks& tasks, const RerankRequest& request);

}  // namespace hfserve::pipelines
