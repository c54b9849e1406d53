// The encoder APIs' request and response bodies: OpenAI's /v1/embeddings and the rerank
// API in the Cohere/Jina shape that vLLM and KServe serve (/v1/rerank). Requests are read
// with every field type- and range-checked (a ParamError names the field); responses are
// built from the pipelines' results. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "pipelines/embeddings.h"
#include "pipelines/rerank.h"

namespace hfserve::server {

struct EmbeddingsCall {
  std::string model;  // as requested; empty when the request named none
  pipelines::EmbeddingRequest request;
  bool base64 = false;  // encoding_format "base64": little-endian float32 bytes
};

// input (a string, strings, token ids or lists of them), encoding_format (float or
// base64), dimensions, truncate.
EmbeddingsCall parse_embeddings_request(const nlohmann::ordered_json& body);
nlohmann::json embeddings_body(const EmbeddingsCall& call, const pipelines::EmbeddingResult& result,
                               const std::string& served_name);

struct RerankCall {
  std::string model;
  pipelines::RerankRequest request;
  std::size_t top_n = 0;  // results returned: 1 ..= documents
  bool return_documents = true;
};

// query, documents (strings or {"text": ...}), top_n (absent or 0: all),
// return_documents (default true), truncate.
RerankCall parse_rerank_request(const nlohmann::ordered_json& body);
// Results sorted by relevance_score, highest first (ties in the documents' order).
nlohmann::json rerank_body(const RerankCall& call, const pipelines::RerankResult& result,
                           const std::string& served_name, const std::string& id);

}  // namespace hfserve::server
