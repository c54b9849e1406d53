#include "pipelines/chat_prompt.h"

#include "chat/template.h"
#include "util/error.h"

namespace hfserve::pipelines {
namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void bad_message(std::size_t index, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "messages[" + std::to_string(index) + "]: " + what);
}

// A message as the template sees it: content parts flattened to text.
Json template_message(const Json& message, std::size_t index) {
  if (!message.is_object()) bad_message(index, "must be an object");
  auto role = message.find("role");
  if (role == message.end() || !role->is_string()) bad_message(index, "needs a string 'role'");
  Json out = message;
  auto content = message.find("content");
  if (content == message.end() || content->is_string() || content->is_null()) return out;
  if (!content->is_array()) bad_message(index, "'content' must be a string or an array of parts");
  std::string text;
  for (std::size_t p = 0; p < content->size(); ++p) {
    const Json& part = (*content)[p];
    auto type = part.is_object() ? part.find("type") : part.end();
    if (type == part.end() || !type->is_string()) {
      bad_message(index, "content[" + std::to_string(p) + "] needs a string 'type'");
    }
    if (*type != "text") {
      throw Error(ErrorCode::kUnsupported, "messages[" + std::to_string(index) + "].content[" +
                                               std::to_string(p) + "]: content of type '" +
                                               type->get<std::string>() +
                                               "' is not supported by a text model");
    }
    auto part_text = part.find("text");
    if (part_text == part.end() || !part_text->is_string()) {
      bad_message(index, "content[" + std::to_string(p) + "] needs a string 'text'");
    }
    if (!text.empty()) text += '\n';
    text += part_text->get<std::string>();
  }
  out["content"] = text;
  return out;
}

}  // namespace

std::string render_chat_prompt(const LoadedModel& model, const ChatPromptInputs& inputs) {
  if (!inputs.messages.is_array() || inputs.messages.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "messages must be a non-empty array");
  }
  chat::ChatInputs chat_inputs;
  for (std::size_t i = 0; i < inputs.messages.size(); ++i) {
    chat_inputs.messages.push_back(template_message(inputs.messages[i], i));
  }
  chat_inputs.tools = inputs.tools;
  chat_inputs.documents = inputs.documents;
  chat_inputs.add_generation_prompt = inputs.add_generation_prompt;
  chat_inputs.special_tokens = model.templates.special_tokens;
  chat_inputs.extra = inputs.chat_template_kwargs;
  std::string source;
  if (inputs.chat_template) {
    source = *inputs.chat_template;
  } else if (model.templates.templates.empty()) {
    throw Error(ErrorCode::kNotFound,
                "this model has no chat template: use /v1/completions, or pass "
                "chat_template in the request");
  } else {
    source = model.templates.select(inputs.tools.has_value());
  }
  // A TemplateError is an Error (invalid_argument, with the template line and column).
  return chat::render_chat(chat::Template(source), chat_inputs);
}

}  // namespace hfserve::pipelines
