// Chat prompts: an OpenAI chat request's messages rendered through the model's chat
// template into the prompt text, as vLLM does it: content given as an array of parts
// becomes the text of its "text" parts joined by newlines; tools, documents and
// chat_template_kwargs reach the template; a request may bring its own template.
// Thread-safe (reads the LoadedModel only).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pipelines/loaded_model.h"

namespace hfserve::pipelines {

struct ChatPromptInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  std::optional<nlohmann::ordered_json> tools;
  std::optional<nlohmann::ordered_json> documents;
  bool add_generation_prompt = true;
  nlohmann::ordered_json chat_template_kwargs = nlohmann::ordered_json::object();
  std::optional<std::string> chat_template;  // the request's own template source
};

// Throws Error: kInvalidArgument for malformed messages (the message names the index and
// field) or a template that fails to render (with its line and column), kUnsupported for
// content parts other than text, kNotFound when the model has no chat template and the
// request brought none.
std::string render_chat_prompt(const LoadedModel& model, const ChatPromptInputs& inputs);

}  // namespace hfserve::pipelines
