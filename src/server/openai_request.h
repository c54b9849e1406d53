// OpenAI request bodies (/v1/completions, /v1/chat/completions) read into a pipeline
// request: every field type- and range-checked (a ParamError names the field), the
// prompt tokenised (completions) or rendered through the chat template and tokenised
// (chat), sampling defaults taken from the model's generation_config, and parameters
// hfserve does not implement refused by name rather than silently ignored.
// The body is read with its key order kept (messages and tools reach the chat template
// in the order the client wrote them, as Python's dicts keep it). Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipelines/text_generation.h"

namespace hfserve::server {

struct OpenAiCall {
  bool chat = false;
  std::string model;  // as requested; empty when the request named none
  pipelines::TextRequest text;
  bool stream = false;
  bool include_usage = false;             // stream_options.include_usage
  bool echo = false;                      // completions: the prompt text starts the choice
  std::vector<std::string> prompt_texts;  // for echo, by prompt
  bool logprobs = false;
};

// `stream` and `stream_options` as every completion route reads them (the decoders' and
// text2text's). Throws ParamError for a wrong type, or stream_options without stream.
struct StreamFields {
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage: a last chunk with the usage
};
StreamFields parse_stream_fields(const nlohmann::ordered_json& body);

OpenAiCall parse_completion_request(const nlohmann::ordered_json& body,
                                    const pipelines::TextGenerator& generator);
OpenAiCall parse_chat_request(const nlohmann::ordered_json& body,
                              const pipelines::TextGenerator& generator);

}  // namespace hfserve::server
