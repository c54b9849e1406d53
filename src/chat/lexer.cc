#include "chat/lexer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "chat/python_text.h"
#include "chat/template_error.h"
#include "util/utf8.h"

namespace hfserve::chat {
namespace {

// Operators, longest first so that "//" wins over "/".
constexpr std::string_view kOperators[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/",
                                           "*",  "%",  "~",  "[",  "]",  "(",  ")", "{", "}",
                                           ";",  ":",  ".",  ",",  "|",  "=",  "<", ">"};

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// Newlines normalised to "\n" and one trailing newline removed (keep_trailing_newline=False).
std::string normalise(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalise(source)) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      std::size_t open = find_opener(pos_);
      if (open == std::string::npos) {
        emit_data(src_.substr(pos_), pos_);
        break;
      }
      char kind = src_[open + 1];
      char sign = open + 2 < src_.size() ? src_[open + 2] : '\0';
      if (sign != '-' && sign != '+') sign = '\0';
      std::string text = src_.substr(pos_, open - pos_);
      std::size_t text_start = pos_;
      std::size_t raw_end = kind == '%' ? match_raw_begin(open) : std::string::npos;
      apply_begin_control(text, sign, kind == '{');
      emit_data(std::move(text), text_start);
      if (raw_end != std::string::npos) {
        lex_raw(raw_end);
      } else if (kind == '#') {
        lex_comment(open);
      } else {
        lex_tag(open, kind, sign);
      }
    }
    Token end;
    end.type = TokenType::kEnd;
    position(src_.size(), end);
    tokens_.push_back(std::move(end));
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(const std::string& message, std::size_t at) {
    Token where;
    position(at, where);
    throw TemplateError(TemplateErrorKind::kSyntax, message, where.line, where.column);
  }

  void position(std::size_t at, Token& token) {
    // Line starts are found incrementally: tokens mostly come in source order.
    if (at < line_start_) {
      line_ = 1;
      line_start_ = 0;
      line_pos_ = 0;
    }
    while (line_pos_ < at && line_pos_ < src_.size()) {
      if (src_[line_pos_] == '\n') {
        ++line_;
        line_start_ = line_pos_ + 1;
      }
      ++line_pos_;
    }
    token.line = line_;
    token.column = static_cast<int>(at - line_start_) + 1;
  }

  std::size_t find_opener(std::size_t from) const {
    std::size_t at = from;
    while (true) {
      at = src_.find('{', at);
      if (at == std::string::npos || at + 1 >= src_.size()) return std::string::npos;
      char next = src_[at + 1];
      if (next == '{' || next == '%' || next == '#') return at;
      ++at;
    }
  }

  // The whitespace control that a tag's opening applies to the text before it.
  void apply_begin_control(std::string& text, char sign, bool variable) const {
    if (sign == '-') {
      text = python::strip(text, python::StripSide::kRight);
    } else if (sign != '+' && !variable) {
      std::size_t newline = text.rfind('\n');
      std::size_t line_pos = newline == std::string::npos ? 0 : newline + 1;
      if (line_pos > 0 || line_starting_) {
        bool blank = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(line_pos), text.end(),
                                 [](char c) { return c == ' ' || c == '\t'; });
        if (blank) text.resize(line_pos);
      }
    }
  }

  void emit_data(std::string text, std::size_t at) {
    if (text.empty()) return;
    Token token;
    token.type = TokenType::kData;
    position(at, token);
    token.text = std::move(text);
    tokens_.push_back(std::move(token));
  }

  std::size_t skip_spaces(std::size_t at) const {
    while (at < src_.size()) {
      std::size_t next = at;
      if (!python::is_space(utf8::decode(src_, next))) break;
      at = next;
    }
    return at;
  }

  std::size_t skip_ascii_spaces(std::size_t at) const {
    while (at < src_.size() && (src_[at] == ' ' || src_[at] == '\t' || src_[at] == '\n' ||
                                src_[at] == '\r' || src_[at] == '\f' || src_[at] == '\v')) {
      ++at;
    }
    return at;
  }

  // When `{%` at `open` starts `{% raw %}`, the position after it; else npos.
  std::size_t match_raw_begin(std::size_t open) const {
    std::size_t at = open + 2;
    if (at < src_.size() && (src_[at] == '-' || src_[at] == '+')) ++at;
    at = skip_ascii_spaces(at);
    if (src_.compare(at, 3, "raw") != 0 || (at + 3 < src_.size() && is_name_char(src_[at + 3]))) {
      return std::string::npos;
    }
    at = skip_ascii_spaces(at + 3);
    if (src_.compare(at, 3, "-%}") == 0) return skip_spaces(at + 3);
    if (src_.compare(at, 2, "%}") == 0) return at + 2;
    return std::string::npos;
  }

  void lex_raw(std::size_t from) {
    std::size_t search = from;
    while (true) {
      std::size_t open = src_.find("{%", search);
      if (open == std::string::npos) fail("missing end of raw directive", from);
      std::size_t at = open + 2;
      char sign = '\0';
      if (at < src_.size() && (src_[at] == '-' || src_[at] == '+')) sign = src_[at++];
      at = skip_ascii_spaces(at);
      if (src_.compare(at, 6, "endraw") != 0) {
        search = open + 2;
        continue;
      }
      at = skip_ascii_spaces(at + 6);
      std::size_t after;
      if (src_.compare(at, 3, "+%}") == 0) {
        after = at + 3;
      } else if (src_.compare(at, 3, "-%}") == 0) {
        after = skip_spaces(at + 3);
      } else if (src_.compare(at, 2, "%}") == 0) {
        after = at + 2;
        if (after < src_.size() && src_[after] == '\n') ++after;
      } else {
        search = open + 2;
        continue;
      }
      std::string text = src_.substr(from, open - from);
      line_starting_ = false;
      apply_begin_control(text, sign, false);
      emit_data(std::move(text), from);
      pos_ = after;
      line_starting_ = after > 0 && src_[after - 1] == '\n';
      return;
    }
  }

  void lex_comment(std::size_t open) {
    std::size_t close = src_.find("#}", open + 2);
    if (close == std::string::npos) fail("missing end of comment tag", open);
    std::size_t after = close + 2;
    char sign = close > open + 2 ? src_[close - 1] : '\0';
    if (sign == '-') {
      after = skip_spaces(after);
    } else if (sign != '+' && after < src_.size() && src_[after] == '\n') {
      ++after;
    }
    pos_ = after;
    line_starting_ = src_[after - 1] == '\n';
  }

  void lex_tag(std::size_t open, char kind, char sign) {
    bool variable = kind == '{';
    Token begin;
    begin.type = variable ? TokenType::kVariableBegin : TokenType::kBlockBegin;
    position(open, begin);
    tokens_.push_back(std::move(begin));
    std::size_t at = open + 2 + (sign != '\0' ? 1 : 0);
    int depth = 0;
    while (true) {
      if (at >= src_.size()) {
        fail(variable ? "unexpected end of template, expected end of print statement ('}}')"
                      : "unexpected end of template, expected end of statement ('%}')",
             open);
      }
      if (depth == 0 && close_tag(at, variable)) return;
      char c = src_[at];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++at;
        continue;
      }
      Token token;
      position(at, token);
      if (is_digit(c)) {
        at = lex_number(at, token);
      } else if (is_name_start(c)) {
        std::size_t end = at;
        while (end < src_.size() && is_name_char(src_[end])) ++end;
        token.type = TokenType::kName;
        token.text = src_.substr(at, end - at);
        at = end;
      } else if (c == '\'' || c == '"') {
        at = lex_string(at, token);
      } else {
        std::string_view rest = std::string_view(src_).substr(at);
        const std::string_view* op = std::find_if(
            std::begin(kOperators), std::end(kOperators), [&](std::string_view candidate) {
              return rest.substr(0, candidate.size()) == candidate;
            });
        if (op == std::end(kOperators)) {
          std::size_t next = at;
          fail("unexpected char '" + utf8::encode(utf8::decode(src_, next)) + "'", at);
        }
        token.type = TokenType::kOperator;
        token.text = std::string(*op);
        if (*op == "(" || *op == "[" || *op == "{") ++depth;
        if (*op == ")" || *op == "]" || *op == "}") {
          if (depth == 0) fail("unexpected '" + token.text + "'", at);
          --depth;
        }
        at += op->size();
      }
      tokens_.push_back(std::move(token));
    }
  }

  // Recognises the end of the current tag at `at`; on a match emits it and moves on.
  bool close_tag(std::size_t at, bool variable) {
    std::string_view end = variable ? "}}" : "%}";
    std::size_t after;
    if (src_.compare(at, 1, "-") == 0 && src_.compare(at + 1, 2, end) == 0) {
      after = skip_spaces(at + 3);
    } else if (!variable && src_.compare(at, 1, "+") == 0 && src_.compare(at + 1, 2, end) == 0) {
      after = at + 3;
    } else if (src_.compare(at, 2, end) == 0) {
      after = at + 2;
      if (!variable && after < src_.size() && src_[after] == '\n') ++after;
    } else {
      return false;
    }
    Token token;
    token.type = variable ? TokenType::kVariableEnd : TokenType::kBlockEnd;
    position(at, token);
    tokens_.push_back(std::move(token));
    pos_ = after;
    line_starting_ = src_[after - 1] == '\n';
    return true;
  }

  std::size_t lex_number(std::size_t at, Token& token) {
    auto digits = [&](std::size_t p, auto accept) {
      while (p < src_.size() &&
             (accept(src_[p]) || (src_[p] == '_' && p + 1 < src_.size() && accept(src_[p + 1])))) {
        ++p;
      }
      return p;
    };
    auto decimal = [](char c) { return is_digit(c); };
    if (src_[at] == '0' && at + 1 < src_.size() &&
        (src_[at + 1] == 'x' || src_[at + 1] == 'o' || src_[at + 1] == 'b')) {
      char base_char = src_[at + 1];
      int base = base_char == 'x' ? 16 : base_char == 'o' ? 8 : 2;
      auto accept = [base](char c) {
        if (base == 16) return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        return c >= '0' && c < static_cast<char>('0' + base);
      };
      std::size_t end = at + 2;
      if (end < src_.size() && src_[end] == '_') ++end;
      std::size_t stop = digits(end, accept);
      if (stop == end) fail("invalid number literal", at);
      return finish_integer(at, src_.substr(end, stop - end), base, token, stop);
    }
    std::size_t end = digits(at, decimal);
    bool is_float = false;
    if (end + 1 < src_.size() && src_[end] == '.' && is_digit(src_[end + 1])) {
      end = digits(end + 1, decimal);
      is_float = true;
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      std::size_t exp = end + 1;
      if (exp < src_.size() && (src_[exp] == '+' || src_[exp] == '-')) ++exp;
      if (exp < src_.size() && is_digit(src_[exp])) {
        end = digits(exp, decimal);
        is_float = true;
      }
    }
    if (!is_float) return finish_integer(at, src_.substr(at, end - at), 10, token, end);
    std::string text = src_.substr(at, end - at);
    std::erase(text, '_');
    token.type = TokenType::kFloat;
    token.number = std::strtod(text.c_str(), nullptr);
    return end;
  }

  std::size_t finish_integer(std::size_t at, std::string text, int base, Token& token,
                             std::size_t end) {
    std::erase(text, '_');
    errno = 0;
    unsigned long long value = std::strtoull(text.c_str(), nullptr, base);
    if (errno == ERANGE || value > static_cast<unsigned long long>(INT64_MAX)) {
      fail("integer literal " + text + " is beyond the 64-bit range this engine supports", at);
    }
    token.type = TokenType::kInteger;
    token.integer = static_cast<std::int64_t>(value);
    return end;
  }

  // A quoted string with Python's escapes (jinja2 decodes literals with unicode-escape).
  std::size_t lex_string(std::size_t at, Token& token) {
    char quote = src_[at];
    std::string value;
    std::size_t p = at + 1;
    while (true) {
      if (p >= src_.size()) fail("unterminated string literal", at);
      char c = src_[p];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++p;
        continue;
      }
      if (p + 1 >= src_.size()) fail("unterminated string literal", at);
      char e = src_[p + 1];
      p += 2;
      switch (e) {
        case '\n':
          break;
        case '\\':
        case '\'':
        case '"':
          value += e;
          break;
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'v':
          value += '\v';
          break;
        case 'x':
        case 'u':
        case 'U': {
          std::size_t width = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (p + width > src_.size()) fail("truncated \\" + std::string(1, e) + " escape", p - 2);
          std::string hex = src_.substr(p, width);
          if (!std::all_of(hex.begin(), hex.end(), [](char h) {
                return std::isxdigit(static_cast<unsigned char>(h)) != 0;
              })) {
            fail("truncated \\" + std::string(1, e) + " escape", p - 2);
          }
          unsigned long cp = std::strtoul(hex.c_str(), nullptr, 16);
          if (cp > 0x10FFFF) fail("illegal Unicode character in string literal", p - 2);
          utf8::append(value, static_cast<char32_t>(cp));
          p += width;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            unsigned cp = static_cast<unsigned>(e - '0');
            for (int i = 0; i < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++i) {
              cp = cp * 8 + static_cast<unsigned>(src_[p++] - '0');
            }
            utf8::append(value, cp);
          } else {
            value += '\\';
            value += e;
          }
      }
    }
    token.type = TokenType::kString;
    token.text = std::move(value);
    return p + 1;
  }

  std::string src_;
  std::size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
  int line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t line_pos_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace hfserve::chat
