#include "server/encoder_api.h"

#include <algorithm>
#include <bit>
#include <numeric>

#include "server/api_error.h"
#include "server/request_model.h"
#include "util/base64.h"

namespace hfserve::server {
namespace {

using Json = nlohmann::json;
using Body = nlohmann::ordered_json;

void require_object(const Body& body) {
  if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
}

bool optional_bool(const Body& body, const char* key, bool fallback) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  if (!body[key].is_boolean()) throw ParamError(key, std::string(key) + " must be true or false");
  return body[key].get<bool>();
}

// A non-negative integer field, or nullopt when absent or null.
std::optional<std::size_t> optional_count(const Body& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  const Body& v = body[key];
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
    throw ParamError(key, std::string(key) + " must be a non-negative integer");
  }
  return v.get<std::size_t>();
}

std::vector<std::int32_t> token_list(const Body& list) {
  std::vector<std::int32_t> ids;
  for (const Body& id : list) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() > INT32_MAX) {
      throw ParamError("input", "token ids must be non-negative integers");
    }
    ids.push_back(id.get<std::int32_t>());
  }
  return ids;
}

// OpenAI's four shapes of `input`: "text", ["text", ...], [id, ...], [[id, ...], ...].
void read_input(const Body& input, pipelines::EmbeddingRequest& request) {
  const char* shapes =
      "input must be a string, an array of strings, an array of token ids or "
      "an array of such arrays";
  if (input.is_string()) {
    request.texts.push_back(input.get<std::string>());
    return;
  }
  if (!input.is_array() || input.empty()) {
    throw ParamError("input", input.is_array() ? "input is empty" : shapes);
  }
  if (input.front().is_string()) {
    for (const Body& text : input) {
      if (!text.is_string()) throw ParamError("input", shapes);
      request.texts.push_back(text.get<std::string>());
    }
  } else if (input.front().is_number()) {
    request.token_ids.push_back(token_list(input));
  } else if (input.front().is_array()) {
    for (const Body& list : input) {
      if (!list.is_array()) throw ParamError("input", shapes);
      request.token_ids.push_back(token_list(list));
    }
  } else {
    throw ParamError("input", shapes);
  }
}

}  // namespace

EmbeddingsCall parse_embeddings_request(const Body& body) {
  require_object(body);
  EmbeddingsCall call;
  call.model = requested_model(body);
  if (!body.contains("input")) throw ParamError("input", "input is required");
  read_input(body["input"], call.request);
  call.request.truncate = optional_bool(body, "truncate", false);
  call.request.dimensions = optional_count(body, "dimensions");
  if (body.contains("encoding_format") && !body["encoding_format"].is_null()) {
    const Body& format = body["encoding_format"];
    if (format != "float" && format != "base64") {
      throw ParamError("encoding_format", "encoding_format must be \"float\" or \"base64\"");
    }
    call.base64 = format == "base64";
  }
  return call;
}

Json embeddings_body(const EmbeddingsCall& call, const pipelines::EmbeddingResult& result,
                     const std::string& served_name) {
  Json data = Json::array();
  for (std::size_t i = 0; i < result.vectors.size(); ++i) {
    const std::vector<float>& v = result.vectors[i];
    Json embedding;
    if (call.base64) {
      // What OpenAI's client decodes with numpy.frombuffer(..., dtype="float32").
      static_assert(std::endian::native == std::endian::little);
      embedding = encode_base64(
          std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
    } else {
      embedding = v;
    }
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  return {
      {"object", "list"},
      {"data", std::move(data)},
      {"model", served_name},
      {"usage", {{"prompt_tokens", result.prompt_tokens}, {"total_tokens", result.prompt_tokens}}}};
}

RerankCall parse_rerank_request(const Body& body) {
  require_object(body);
  RerankCall call;
  call.model = requested_model(body);
  if (!body.contains("query") || !body["query"].is_string()) {
    throw ParamError("query", "query must be a string");
  }
  call.request.query = body["query"].get<std::string>();
  if (!body.contains("documents") || !body["documents"].is_array()) {
    throw ParamError("documents", "documents must be an array of strings");
  }
  for (const Body& document : body["documents"]) {
    if (document.is_string()) {
      call.request.documents.push_back(document.get<std::string>());
    } else if (document.is_object() && document.contains("text") && document["text"].is_string()) {
      call.request.documents.push_back(document["text"].get<std::string>());
    } else {
      throw ParamError("documents",
                       "each document must be a string or an object with a string \"text\"");
    }
  }
  call.request.truncate = optional_bool(body, "truncate", false);
  call.return_documents = optional_bool(body, "return_documents", true);
  call.top_n = optional_count(body, "top_n").value_or(0);
  if (call.top_n == 0 || call.top_n > call.request.documents.size()) {
    call.top_n = call.request.documents.size();
  }
  return call;
}

Json rerank_body(const RerankCall& call, const pipelines::RerankResult& result,
                 const std::string& served_name, const std::string& id) {
  std::vector<std::size_t> order(result.scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return result.scores[a] > result.scores[b];
  });
  Json results = Json::array();
  for (std::size_t k = 0; k < call.top_n && k < order.size(); ++k) {
    const std::size_t i = order[k];
    Json item = {{"index", i}, {"relevance_score", result.scores[i]}};
    if (call.return_documents) item["document"] = {{"text", call.request.documents[i]}};
    results.push_back(std::move(item));
  }
  return {
      {"id", id},
      {"model", served_name},
      {"results", std::move(results)},
      {"usage", {{"prompt_tokens", result.prompt_tokens}, {"total_tokens", result.prompt_tokens}}}};
}

}  // namespace hfserve::server
