#include "chat/template_error.h"

#include <utility>

namespace hfserve::chat {
namespace {

ErrorCode code_for(TemplateErrorKind kind) {
  return kind == TemplateErrorKind::kLimit ? ErrorCode::kResourceExhausted
                                           : ErrorCode::kInvalidArgument;
}

std::string message_for(TemplateErrorKind kind, const std::string& detail, int line, int column) {
  std::string message = "chat template";
  if (line > 0) {
    message += " line " + std::to_string(line) + " column " + std::to_string(column);
  }
  message += ": ";
  message += template_error_kind_name(kind);
  message += " error: ";
  message += detail;
  return message;
}

}  // namespace

std::string_view template_error_kind_name(TemplateErrorKind kind) {
  switch (kind) {
    case TemplateErrorKind::kSyntax:
      return "syntax";
    case TemplateErrorKind::kUndefined:
      return "undefined";
    case TemplateErrorKind::kType:
      return "type";
    case TemplateErrorKind::kSecurity:
      return "security";
    case TemplateErrorKind::kRaised:
      return "raised";
    case TemplateErrorKind::kLimit:
      return "limit";
  }
  return "unknown";
}

TemplateError::TemplateError(TemplateErrorKind kind, std::string detail, int line, int column)
    : Error(code_for(kind), message_for(kind, detail, line, column)),
      kind_(kind),
      detail_(std::move(detail)),
      line_(line),
      column_(column) {}

TemplateError TemplateError::at(int line, int column) const {
  return TemplateError(kind_, detail_, line, column);
}

}  // namespace hfserve::chat
