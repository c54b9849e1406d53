#include "chat/template.h"

#include "chat/builtins.h"
#include "chat/parser.h"

namespace hfserve::chat {
namespace {

const std::shared_ptr<Frame>& shared_globals() {
  static const std::shared_ptr<Frame> globals = make_globals();
  return globals;
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
  variables.emplace_back("messages", value_from_json(inputs.messages));
  variables.emplace_back("tools", inputs.tools ? value_from_json(*inputs.tools) : Value::none());
  variables.emplace_back("documents",
                         inputs.documents ? value_from_json(*inputs.documents) : Value::none());
  variables.emplace_back("add_generation_prompt", Value(inputs.add_generation_prompt));
  return tmpl.render(std::move(variables), options);
}

}  // namespace hfserve::chat
