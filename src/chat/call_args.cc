// Argument binding and conversions shared by the builtins (builtins.h).
#include <algorithm>

#include "chat/builtins.h"
#include "chat/template_error.h"

namespace hfserve::chat {

BoundArgs::BoundArgs(const CallArgs& args, std::string_view function,
                     std::initializer_list<std::string_view> params)
    : values_(params.size()) {
  if (args.positional.size() > params.size()) {
    throw TemplateError(TemplateErrorKind::kType,
                        std::string(function) + "() takes at most " +
                            std::to_string(params.size()) + " argument(s) (" +
                            std::to_string(args.positional.size()) + " given)");
  }
  for (std::size_t i = 0; i < args.positional.size(); ++i) values_[i] = args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    auto it = std::find(params.begin(), params.end(), key);
    if (it == params.end()) {
      throw TemplateError(
          TemplateErrorKind::kType,
          std::string(function) + "() got an unexpected keyword argument '" + key + "'");
    }
    auto index = static_cast<std::size_t>(it - params.begin());
    if (values_[index]) {
      throw TemplateError(
          TemplateErrorKind::kType,
          std::string(function) + "() got multiple values for argument '" + key + "'");
    }
    values_[index] = value;
  }
}

std::int64_t expect_int(const Value& value, std::string_view what) {
  if (value.is_int() || value.is_bool()) return value.as_int();
  if (value.is_undefined()) raise_undefined(value);
  throw TemplateError(TemplateErrorKind::kType,
                      std::string(what) + " must be an integer, not '" + type_name(value) + "'");
}

const std::string& expect_string(const Value& value, std::string_view what) {
  if (value.is_string()) return value.str();
  if (value.is_undefined()) raise_undefined(value);
  throw TemplateError(TemplateErrorKind::kType,
                      std::string(what) + " must be str, not " + type_name(value));
}

}  // namespace hfserve::chat
