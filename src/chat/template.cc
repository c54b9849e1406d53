#include "chat/template.h"

#include "chat/builtins.h"
#include "chat/parser.h"
#include "chat/python_text.h"

namespace hfserve::chat {
namespace {

const std::shared_ptr<Frame>& shared_globals() {
  static const std::shared_ptr<Frame> globals = make_globals();
  return globals;
}

// transformers' way to find where the final message ends in the render: it appends this
// tag to the message's text and cuts the render at the tag's last occurrence.
constexpr std::string_view kContinueTag = "CONTINUE_FINAL_MESSAGE_TAG ";

// Appends kContinueTag to the text of the final message (its string content, or the last
// content part with a "text") and returns that text as it was.
std::string tag_final_message(nlohmann::ordered_json& messages) {
  auto fail = [](const std::string& why) -> std::string {
    throw TemplateError(TemplateErrorKind::kType, "continue_final_message: " + why);
  };
  if (messages.empty()) return fail("there are no messages");
  nlohmann::ordered_json& last = messages.back();
  if (!last.is_object() || !last.contains("content")) {
    return fail("the final message has no content");
  }
  nlohmann::ordered_json& content = last["content"];
  if (content.is_array()) {
    for (auto part = content.rbegin(); part != content.rend(); ++part) {
      if (!part->is_object() || !part->contains("text")) continue;
      nlohmann::ordered_json& text = (*part)["text"];
      if (!text.is_string()) return fail("the text of the final message is not a string");
      std::string original = text.get<std::string>();
      text = original + std::string(kContinueTag);
      return original;
    }
    return fail("we could not find any text to continue in the final message");
  }
  if (!content.is_string()) return fail("the content of the final message is not a string");
  std::string original = content.get<std::string>();
  content = original + std::string(kContinueTag);
  return original;
}

// Cuts `rendered` where the tagged final message ends, as render_jinja_template does.
std::string cut_at_final_message(std::string rendered, const std::string& final_text) {
  std::string_view tag_word = kContinueTag.substr(0, kContinueTag.size() - 1);
  if (rendered.find(python::strip(final_text, python::StripSide::kBoth)) == std::string::npos ||
      rendered.find(tag_word) == std::string::npos) {
    throw TemplateError(TemplateErrorKind::kType,
                        "continue_final_message is set but the final message does not appear in "
                        "the chat after applying the chat template");
  }
  std::size_t tag = rendered.rfind(tag_word);
  if (rendered.compare(tag, kContinueTag.size(), kContinueTag) == 0) return rendered.substr(0, tag);
  // The template trimmed the space that ends the tag, and maybe the message's own
  // trailing whitespace with it: transformers then drops all of it.
  return python::strip(std::string_view(rendered).substr(0, tag), python::StripSide::kRight);
}

}  // namespace

Value value_from_json(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value::none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(json.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto u = json.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) {
        throw TemplateError(TemplateErrorKind::kLimit,
                            "integer " + std::to_string(u) + " is beyond 64-bit range");
      }
      return Value(static_cast<std::int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(json.get_ref<const std::string&>());
    case nlohmann::ordered_json::value_t::array: {
      List items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(value_from_json(item));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict dict;
      dict.items.reserve(json.size());
      for (const auto& [key, item] : json.items())
        dict.items.emplace_back(Value(key), value_from_json(item));
      return Value::dict(std::move(dict));
    }
    default:
      throw TemplateError(TemplateErrorKind::kType, "unsupported JSON value (binary or discarded)");
  }
}

Template::Template(std::string_view source)
    : body_(std::make_shared<const Body>(parse_template(source))) {}

std::string Template::render(const nlohmann::ordered_json& context,
                             const RenderOptions& options) const {
  if (!context.is_object()) {
    throw TemplateError(TemplateErrorKind::kType, "the render context must be a JSON object");
  }
  std::vector<std::pair<std::string, Value>> variables;
  for (const auto& [key, value] : context.items())
    variables.emplace_back(key, value_from_json(value));
  return render(std::move(variables), options);
}

std::string Template::render(std::vector<std::pair<std::string, Value>> variables,
                             const RenderOptions& options) const {
  auto root = std::make_shared<Frame>();
  for (auto& [key, value] : variables) root->set(key, std::move(value));
  Interpreter interpreter(options.limits, shared_globals(), options.now);
  return interpreter.render(*body_, std::move(root));
}

std::string render_chat(const Template& tmpl, const ChatInputs& inputs,
                        const RenderOptions& options) {
  if (!inputs.messages.is_array()) {
    throw Error(ErrorCode::kInvalidArgument, "chat messages must be a JSON array");
  }
  if (inputs.continue_final_message && inputs.add_generation_prompt) {
    throw TemplateError(TemplateErrorKind::kType,
                        "continue_final_message and add_generation_prompt are not compatible: "
                        "one continues the final message, the other starts a new assistant turn");
  }
  if (inputs.tools && !inputs.tools->is_array() && !inputs.tools->is_null()) {
    throw Error(ErrorCode::kInvalidArgument, "chat tools must be a JSON array");
  }
  if (inputs.documents) {
    if (!inputs.documents->is_array() && !inputs.documents->is_null()) {
      throw Error(ErrorCode::kInvalidArgument, "chat documents must be a JSON array");
    }
    for (const auto& document : *inputs.documents) {
      if (!document.is_object()) {
        throw Error(ErrorCode::kInvalidArgument,
                    "Documents should be a list of dicts with 'title' and 'text' keys!");
      }
    }
  }
  if (!inputs.special_tokens.is_object() || !inputs.extra.is_object()) {
    throw Error(ErrorCode::kInvalidArgument, "special tokens and extra variables must be objects");
  }
  // The keyword arguments transformers passes: special tokens, overridden by the extra
  // variables, then messages, tools, documents and add_generation_prompt.
  std::vector<std::pair<std::string, Value>> variables;
  for (const auto& [key, value] : inputs.special_tokens.items()) {
    variables.emplace_back(key, value_from_json(value));
  }
  for (const auto& [key, value] : inputs.extra.items()) {
    if (key == "messages" || key == "tools" || key == "documents" ||
        key == "add_generation_prompt") {
      throw TemplateError(TemplateErrorKind::kType,
                          "render() got multiple values for keyword argument '" + key + "'");
    }
    variables.emplace_back(key, value_from_json(value));
  }
  std::string final_text;
  if (inputs.continue_final_message) {
    nlohmann::ordered_json messages = inputs.messages;
    final_text = tag_final_message(messages);
    variables.emplace_back("messages", value_from_json(messages));
  } else {
    variables.emplace_back("messages", value_from_json(inputs.messages));
  }
  variables.emplace_back("tools", inputs.tools ? value_from_json(*inputs.tools) : Value::none());
  variables.emplace_back("documents",
                         inputs.documents ? value_from_json(*inputs.documents) : Value::none());
  variables.emplace_back("add_generation_prompt", Value(inputs.add_generation_prompt));
  std::string rendered = tmpl.render(std::move(variables), options);
  if (!inputs.continue_final_message) return rendered;
  return cut_at_final_message(std::move(rendered), final_text);
}

}  // namespace hfserve::chat
