// The lexer of chat templates: turns template source into a flat token stream the way
// jinja2's lexer does under Hugging Face's settings (trim_blocks, lstrip_blocks, newlines
// normalised to "\n", one trailing newline dropped). Whitespace control (`{%-`, `-%}`,
// `{%+`, `+%}`, same for `{{ }}` and `{# #}`) is applied here, so data tokens hold exactly
// the text that will be printed. Raw blocks come out as data. Comments vanish.
// Input is untrusted: any malformed tag throws TemplateError(kSyntax) with its position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hfserve::chat {

enum class TokenType {
  kData,           // literal text to print
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,           // identifiers and keywords (if, for, in, not, true, ...)
  kString,         // text holds the unescaped value
  kInteger,        // integer holds the value
  kFloat,          // number holds the value
  kOperator,  // text holds the operator: + - * / // % ** ~ == != < <= > >= = . , : | ( ) [ ] { }
  kEnd,       // end of the template
};

struct Token {
  TokenType type = TokenType::kEnd;
  std::string text;
  std::int64_t integer = 0;
  double number = 0;
  int line = 1;    // 1-based, in the normalised source
  int column = 1;  // 1-based byte column
};

// The tokens of `source`, ending with one kEnd token.
std::vector<Token> tokenize(std::string_view source);

}  // namespace hfserve::chat
