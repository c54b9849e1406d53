// OpenAI's /v1/completions for a text2text (encoder-decoder) model: the request read into
// a seq2seq generation (one prompt, the sampling fields a seq2seq generator takes, stream
// and stream_options; unknown fields ignored as the decoder's completion parser ignores
// them; what hfserve does not do for text2text yet, logprobs and echo, refused by name)
// and the answer in OpenAI's text_completion shape, whole or as stream chunks.
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipelines/text2text.h"
#include "server/openai_request.h"

namespace hfserve::server {

struct Text2TextCall {
  pipelines::Text2TextRequest request;
  std::size_t n = 1;  // choices, each generated with its own random stream
  StreamFields stream;
};

// Throws ParamError naming the field at fault (its `model` is read by request_model.h).
Text2TextCall parse_text2text_request(const nlohmann::ordered_json& body);

// The text_completion body of a request's choices, answered as `model`: usage counts the
// prompt once and every choice's tokens.
nlohmann::ordered_json text2text_completion_body(
    const std::string& id, const std::string& model,
    const std::vector<pipelines::Text2TextResult>& choices);

// A stream's chunks, each with the id and `created` of its first: a piece of text
// (finish_reason null), the last choice chunk (empty text, the finish_reason), and with
// include_usage the usage chunk (no choices).
class Text2TextChunks {
 public:
  Text2TextChunks(std::string id, std::string model);
  nlohmann::ordered_json text(std::size_t choice, std::string_view piece) const;
  nlohmann::ordered_json finish(std::size_t choice, const pipelines::Text2TextResult& result) const;
  nlohmann::ordered_json usage(const std::vector<pipelines::Text2TextResult>& choices) const;

 private:
  nlohmann::ordered_json base() const;

  std::string id_, model_;
  std::int64_t created_ = 0;
};

}  // namespace hfserve::server
