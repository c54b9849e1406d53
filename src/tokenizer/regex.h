// Regex: a compiled PCRE2 pattern (UTF, Unicode properties, JIT) for the split and
// replace patterns of tokenizer.json. Immutable after construction; find_all may be
// called from many threads at once (each call uses its own match data and JIT stack).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalized_string.h"

namespace hfserve::tokenizer {

class Regex {
 public:
  // Throws Error(invalid_argument) with PCRE2's message and the offset when `pattern`
  // does not compile.
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // All non-overlapping matches in valid UTF-8 `text`, left to right, together with the
  // gaps between them, so the result covers the text (gaps have is_match = false).
  std::vector<Match> find_all(std::string_view text) const;

 private:
  struct Code;
  std::unique_ptr<Code> code_;
};

}  // namespace hfserve::tokenizer
