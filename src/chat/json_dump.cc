// tojson as Hugging Face defines it: json.dumps(x, ensure_ascii=False, indent=None,
// separators=None, sort_keys=False), reproduced byte for byte.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chat/builtins.h"
#include "chat/python_text.h"
#include "chat/template_error.h"
#include "util/utf8.h"

namespace hfserve::chat {
namespace {

void append_hex_escape(std::string& out, unsigned unit) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", unit & 0xFFFFu);
  out += buffer;
}

void append_json_string(std::string& out, std::string_view text, bool ensure_ascii) {
  out += '"';
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      ++pos;
      switch (byte) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (byte < 0x20) {
            append_hex_escape(out, byte);
          } else {
            out += static_cast<char>(byte);
          }
      }
      continue;
    }
    std::size_t start = pos;
    char32_t cp = utf8::decode(text, pos);
    if (!ensure_ascii) {
      out.append(text.substr(start, pos - start));
    } else if (cp >= 0x10000) {
      char32_t v = cp - 0x10000;
      append_hex_escape(out, 0xD800 + static_cast<unsigned>(v >> 10));
      append_hex_escape(out, 0xDC00 + static_cast<unsigned>(v & 0x3FF));
    } else {
      append_hex_escape(out, static_cast<unsigned>(cp));
    }
  }
  out += '"';
}

std::string json_float(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  return python::format_float(value);
}

class JsonWriter {
 public:
  explicit JsonWriter(const JsonOptions& options) : options_(options) {
    if (options.separators) {
      item_sep_ = options.separators->first;
      key_sep_ = options.separators->second;
    } else {
      item_sep_ = options.indent ? "," : ", ";
      key_sep_ = ": ";
    }
  }

  void write(std::string& out, const Value& value, int level) {
    if (level > 512)
      throw TemplateError(TemplateErrorKind::kType,
                          "maximum recursion depth exceeded while encoding a JSON object");
    switch (value.kind()) {
      case Kind::kNone:
        out += "null";
        return;
      case Kind::kBool:
        out += value.as_bool() ? "true" : "false";
        return;
      case Kind::kInt:
        out += std::to_string(value.as_int());
        return;
      case Kind::kFloat:
        out += json_float(value.as_double());
        return;
      case Kind::kString:
        append_json_string(out, value.str(), options_.ensure_ascii);
        return;
      case Kind::kList:
      case Kind::kTuple: {
        if (value.is_generator()) break;
        const List& items = value.items();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out += item_sep_;
          newline(out, level + 1);
          write(out, items[i], level + 1);
        }
        newline(out, level);
        out += ']';
        return;
      }
      case Kind::kDict: {
        std::vector<std::pair<std::string, const Value*>> entries;
        for (const auto& [key, item] : value.dict().items)
          entries.emplace_back(key_text(key), &item);
        if (entries.empty()) {
          out += "{}";
          return;
        }
        if (options_.sort_keys) {
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        out += '{';
        for (std::size_t i = 0; i < entries.size(); ++i) {
          if (i > 0) out += item_sep_;
          newline(out, level + 1);
          append_json_string(out, entries[i].first, options_.ensure_ascii);
          out += key_sep_;
          write(out, *entries[i].second, level + 1);
        }
        newline(out, level);
        out += '}';
        return;
      }
      default:
        break;
    }
    throw TemplateError(TemplateErrorKind::kType,
                        "Object of type " + type_name(value) + " is not JSON serializable");
  }

 private:
  void newline(std::string& out, int level) const {
    if (!options_.indent) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += *options_.indent;
  }

  static std::string key_text(const Value& key) {
    switch (key.kind()) {
      case Kind::kString:
        return key.str();
      case Kind::kBool:
        return key.as_bool() ? "true" : "false";
      case Kind::kNone:
        return "null";
      case Kind::kInt:
        return std::to_string(key.as_int());
      case Kind::kFloat:
        return json_float(key.as_double());
      default:
        throw TemplateError(TemplateErrorKind::kType,
                            "keys must be str, int, float, bool or None, not " + type_name(key));
    }
  }

  const JsonOptions& options_;
  std::string item_sep_;
  std::string key_sep_;
};

}  // namespace

std::string to_json(const Value& value, const JsonOptions& options) {
  std::string out;
  JsonWriter(options).write(out, value, 0);
  return out;
}

}  // namespace hfserve::chat
