#include "server/kserve_v1.h"

#include <cstdio>

#include "server/api_error.h"
#include "server/kserve_v2.h"

namespace hfserve::server {
namespace {

using Body = nlohmann::ordered_json;
using pipelines::ScoreFormat;

// {"0": s0, "1": s1, ...} in label order, as Python keeps a dict's insertion order.
Body label_object(const std::vector<double>& scores) {
  Body out = Body::object();
  for (std::size_t j = 0; j < scores.size(); ++j) out[std::to_string(j)] = scores[j];
  return out;
}

// Fill-mask's per-mask list [{"0": s}, {"1": s}, ...]; KServe formats probabilities as
// strings of 4 decimals there (not numbers, as it does for the classifiers).
Body vocab_list(const std::vector<double>& scores, ScoreFormat format) {
  Body out = Body::array();
  char text[32];
  for (std::size_t j = 0; j < scores.size(); ++j) {
    Body entry = Body::object();
    if (format == ScoreFormat::kProbabilities) {
      std::snprintf(text, sizeof text, "%.4f", scores[j]);
      entry[std::to_string(j)] = text;
    } else {
      entry[std::to_string(j)] = scores[j];
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Body predictions(const pipelines::SequenceClassification& r) {
  Body out = Body::array();
  if (r.format == ScoreFormat::kIndex) {
    for (std::int64_t label : r.labels) out.push_back(label);
  } else {
    for (const auto& scores : r.scores) out.push_back(label_object(scores));
  }
  return out;
}

Body predictions(const pipelines::TokenClassification& r) {
  Body out = Body::array();
  if (r.format == ScoreFormat::kIndex) {
    // KServe's argmax over [1, tokens, labels] keeps the batch axis: [[i, ...]].
    for (const auto& labels : r.labels) out.push_back(Body::array({Body(labels)}));
  } else {
    for (const auto& tokens : r.scores) {
      Body row = Body::array();
      for (const auto& scores : tokens) row.push_back(label_object(scores));
      out.push_back(std::move(row));
    }
  }
  return out;
}

Body predictions(const pipelines::FillMask& r) {
  Body out = Body::array();
  if (r.format == ScoreFormat::kIndex) {
    for (const std::string& token : r.tokens) out.push_back(token);
  } else {
    for (const auto& masks : r.scores) {
      Body row = Body::array();
      for (const auto& scores : masks) row.push_back(vocab_list(scores, r.format));
      out.push_back(std::move(row));
    }
  }
  return out;
}

Body predictions(const pipelines::TextEmbedding& r) {
  Body out = Body::array();
  for (const auto& vector : r.vectors) out.push_back(vector);
  return out;
}

}  // namespace

std::vector<std::string> parse_v1_request(const nlohmann::ordered_json& body) {
  if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
  // KServe reads "inputs" when it is there, else "instances".
  const char* key = body.contains("inputs") ? "inputs" : "instances";
  if (!body.contains(key)) {
    throw ParamError("instances", "send \"instances\": an array of texts");
  }
  const Body& instances = body[key];
  if (!instances.is_array() || instances.empty()) {
    throw ParamError(key, std::string(key) + " must be a non-empty array of texts");
  }
  std::vector<std::string> texts;
  texts.reserve(instances.size());
  for (const Body& text : instances) {
    if (!text.is_string()) {
      throw ParamError(key,
                       std::string(key) + " must be an array of strings (this model takes text)");
    }
    texts.push_back(text.get<std::string>());
  }
  return texts;
}

nlohmann::ordered_json v1_response(const TaskResult& result) {
  Body out = Body::object();
  out["predictions"] = std::visit([](const auto& r) { return predictions(r); }, result);
  if (const auto* tokens = std::get_if<pipelines::TokenClassification>(&result);
      tokens && !tokens->offsets.empty()) {
    // KServe adds the offsets as a V2 tensor, even over V1.
    out["outputs"] = Body::array({tensor_json(offsets_tensor(*tokens))});
  }
  return out;
}

}  // namespace hfserve::server
