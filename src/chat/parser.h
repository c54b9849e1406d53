// The parser of chat templates: jinja2's grammar (statements, expressions, filters, tests,
// operator precedence) over the lexer's tokens, producing the syntax tree of ast.h.
// Rejects what jinja2 rejects at compile time with TemplateError(kSyntax) at the offending
// token; nesting deeper than kMaxNesting fails with kLimit instead of exhausting the stack.
#pragma once

#include <string_view>

#include "chat/ast.h"

namespace hfserve::chat {

inline constexpr int kMaxNesting = 200;

Body parse_template(std::string_view source);

}  // namespace hfserve::chat
