#include "tokenizer/pattern.h"

#include "util/error.h"

namespace hfserve::tokenizer {

Pattern Pattern::literal(std::string text) {
  Pattern p;
  p.literal_ = std::move(text);
  return p;
}

Pattern Pattern::regex(const std::string& pattern) {
  Pattern p;
  p.regex_ = std::make_shared<const Regex>(pattern);
  return p;
}

std::vector<Match> Pattern::find(std::string_view text) const {
  if (regex_) return regex_->find_all(text);
  return find_literal(text, literal_);
}

Pattern make_pattern(const json::Json& config, const std::string& where) {
  if (config.is_object()) {
    if (auto text = json::optional_string(config, "String", where)) return Pattern::literal(*text);
    if (auto re = json::optional_string(config, "Regex", where)) {
      try {
        return Pattern::regex(*re);
      } catch (const Error& error) {
        json::fail(where + ".Regex", error.message());
      }
    }
  }
  json::fail(where, "expected {\"String\": ...} or {\"Regex\": ...}, found " + config.dump());
}

}  // namespace hfserve::tokenizer
