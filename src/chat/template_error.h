// TemplateError: what parsing or rendering a chat template throws. It is an hfserve::Error
// (invalid_argument, or resource_exhausted for a safety limit) that also says which kind
// of failure it was, mirroring the exception classes jinja2 and Python raise, and where in
// the template it happened.
#pragma once

#include <string>

#include "util/error.h"

namespace hfserve::chat {

enum class TemplateErrorKind {
  kSyntax,     // jinja2.TemplateSyntaxError: the template does not parse
  kUndefined,  // jinja2.UndefinedError: an undefined value was used
  kType,       // a Python TypeError/ValueError/ZeroDivisionError/... during rendering
  kSecurity,   // jinja2.sandbox.SecurityError: something the sandbox forbids
  kRaised,     // the template called raise_exception(message)
  kLimit,      // one of our safety limits (iterations, depth, output size)
};

// "syntax", "undefined", "type", "security", "raised", "limit".
std::string_view template_error_kind_name(TemplateErrorKind kind);

class TemplateError : public Error {
 public:
  // line and column are 1-based; 0 means "not known yet" (the interpreter fills in the
  // position of the expression being evaluated as the error passes through it).
  TemplateError(TemplateErrorKind kind, std::string detail, int line = 0, int column = 0);

  TemplateErrorKind kind() const { return kind_; }
  // The message without position, e.g. "'foo' is undefined".
  const std::string& detail() const { return detail_; }
  int line() const { return line_; }
  int column() const { return column_; }
  bool has_position() const { return line_ > 0; }
  // The same error, located at line:column.
  TemplateError at(int line, int column) const;

 private:
  TemplateErrorKind kind_;
  std::string detail_;
  int line_;
  int column_;
};

}  // namespace hfserve::chat
