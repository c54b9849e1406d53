// Pattern: the {"String": "..."} or {"Regex": "..."} pattern of Split, Replace and the
// Replace decoder. Immutable; find() is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_fields.h"
#include "tokenizer/normalized_string.h"
#include "tokenizer/regex.h"

namespace hfserve::tokenizer {

class Pattern {
 public:
  static Pattern literal(std::string text);
  static Pattern regex(const std::string& pattern);

  // Matches and the gaps between them, covering `text`.
  std::vector<Match> find(std::string_view text) const;

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;
};

Pattern make_pattern(const json::Json& config, const std::string& where);

}  // namespace hfserve::tokenizer
