// OpenAI's /v1/completions for a text2text (encoder-decoder) model: the request read into
// a seq2seq generation (one prompt, the sampling fields a seq2seq generator takes; unknown
// fields ignored as the decoder's completion parser ignores them; what hfserve does not do
// for text2text yet, stream, n > 1, logprobs and echo, refused by name) and the answer in
// OpenAI's text_completion shape. Stateless; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "pipelines/text2text.h"

namespace hfserve::server {

// Throws ParamError naming the field at fault (its `model` is read by request_model.h).
pipelines::Text2TextRequest parse_text2text_request(const nlohmann::ordered_json& body);

// The text_completion body of one generation, answered as `model`.
nlohmann::ordered_json text2text_completion_body(const std::string& id, const std::string& model,
                                                 const pipelines::Text2TextResult& result);

}  // namespace hfserve::server
