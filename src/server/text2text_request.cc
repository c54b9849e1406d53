#include "server/text2text_request.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "server/api_error.h"

namespace hfserve::server {

namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::ordered_json usage_of(const std::vector<pipelines::Text2TextResult>& choices) {
  const std::size_t prompt = choices.empty() ? 0 : choices.front().prompt_tokens;
  std::size_t completion = 0;
  for (const pipelines::Text2TextResult& choice : choices) completion += choice.completion_tokens;
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion}};
}

}  // namespace

Text2TextCall parse_text2text_request(const nlohmann::ordered_json& body) {
  if (!body.is_object()) throw ParamError("", "the request body must be a JSON object");
  auto number = [&](const char* key, double low, double high) -> std::optional<double> {
    if (!body.contains(key) || body[key].is_null()) return std::nullopt;
    if (!body[key].is_number() || body[key].get<double>() < low || body[key].get<double>() > high) {
      throw ParamError(key, std::string(key) + " must be a number in [" + std::to_string(low) +
                                ", " + std::to_string(high) + "]");
    }
    return body[key].get<double>();
  };
  Text2TextCall call;
  pipelines::Text2TextRequest& request = call.request;
  const auto& prompt = body.contains("prompt") ? body["prompt"] : nlohmann::ordered_json();
  if (prompt.is_string()) {
    request.text = prompt.get<std::string>();
  } else if (prompt.is_array() && prompt.size() == 1 && prompt[0].is_string()) {
    request.text = prompt[0].get<std::string>();
  } else {
    throw ParamError("prompt", "send one prompt, a string (text2text models take one text)");
  }
  call.stream = parse_stream_fields(body);
  if (body.contains("n") && !body["n"].is_null() && !body["n"].is_number_integer()) {
    throw ParamError("n", "n must be an integer in [1, 128]");
  }
  call.n = static_cast<std::size_t>(number("n", 1, 128).value_or(1));
  if (body.contains("best_of") && body["best_of"] != 1 && !body["best_of"].is_null()) {
    throw ParamError("best_of", "best_of must be 1 for text2text models: use n");
  }
  if (body.contains("logprobs") && !body["logprobs"].is_null()) {
    throw ParamError("logprobs", "logprobs are not supported for text2text models");
  }
  if (body.value("echo", false) == true) {
    throw ParamError("echo", "echo is not supported for text2text models");
  }
  engine::SamplingParams& s = request.sampling;
  s.max_tokens = static_cast<std::size_t>(number("max_tokens", 1, 1 << 20).value_or(16));
  s.temperature = static_cast<float>(number("temperature", 0, 2).value_or(1.0));
  s.top_p = static_cast<float>(number("top_p", 0, 1).value_or(1.0));
  s.top_k = static_cast<std::int64_t>(number("top_k", -1, 1 << 30).value_or(0));
  if (auto seed = number("seed", 0, 9.2e18)) s.seed = static_cast<std::uint64_t>(*seed);
  if (body.contains("stop") && !body["stop"].is_null()) {
    const auto& stop = body["stop"];
    if (stop.is_string()) {
      request.stop.push_back(stop.get<std::string>());
    } else if (stop.is_array() && stop.size() <= 4) {
      for (const auto& item : stop) {
        if (!item.is_string()) throw ParamError("stop", "stop must be strings");
        request.stop.push_back(item.get<std::string>());
      }
    } else {
      throw ParamError("stop", "stop must be a string or up to 4 strings");
    }
  }
  return call;
}

nlohmann::ordered_json text2text_completion_body(
    const std::string& id, const std::string& model,
    const std::vector<pipelines::Text2TextResult>& choices) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < choices.size(); ++i) {
    out.push_back({{"index", i},
                   {"text", choices[i].text},
                   {"logprobs", nullptr},
                   {"finish_reason", choices[i].finish_reason}});
  }
  return {{"id", id},       {"object", "text_completion"}, {"created", now_seconds()},
          {"model", model}, {"choices", std::move(out)},   {"usage", usage_of(choices)}};
}

Text2TextChunks::Text2TextChunks(std::string id, std::string model)
    : id_(std::move(id)), model_(std::move(model)), created_(now_seconds()) {}

nlohmann::ordered_json Text2TextChunks::base() const {
  return {{"id", id_}, {"object", "text_completion"}, {"created", created_}, {"model", model_}};
}

nlohmann::ordered_json Text2TextChunks::text(std::size_t choice, std::string_view piece) const {
  nlohmann::ordered_json chunk = base();
  chunk["choices"] = nlohmann::ordered_json::array(
      {{{"index", choice}, {"text", piece}, {"logprobs", nullptr}, {"finish_reason", nullptr}}});
  return chunk;
}

nlohmann::ordered_json Text2TextChunks::finish(std::size_t choice,
                                               const pipelines::Text2TextResult& result) const {
  nlohmann::ordered_json chunk = base();
  chunk["choices"] = nlohmann::ordered_json::array({{{"index", choice},
                                                     {"text", ""},
                                                     {"logprobs", nullptr},
                                                     {"finish_reason", result.finish_reason}}});
  return chunk;
}

nlohmann::ordered_json Text2TextChunks::usage(
    const std::vector<pipelines::Text2TextResult>& choices) const {
  nlohmann::ordered_json chunk = base();
  chunk["choices"] = nlohmann::ordered_json::array();
  chunk["usage"] = usage_of(choices);
  return chunk;
}

}  // namespace hfserve::server
