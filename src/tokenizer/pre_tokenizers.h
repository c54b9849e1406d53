// Pre-tokenizers of tokenizer.json ("pre_tokenizer"): ByteLevel, Split, Metaspace,
// Whitespace, WhitespaceSplit, BertPreTokenizer, Punctuation, Digits, UnicodeScripts,
// CharDelimiterSplit, Sequence. They cut the normalized text into pieces the model
// tokenizes one at a time.
// Immutable after construction; pre_tokenize() is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/json_fields.h"
#include "tokenizer/model.h"
#include "tokenizer/normalized_string.h"

namespace hfserve::tokenizer {

// One piece of the input: its text (with alignments) and, once known, its tokens (added
// tokens are known before pre-tokenization and are left alone by it).
struct Split {
  NormalizedString normalized;
  std::optional<std::vector<Token>> tokens;
};
using PreTokenized = std::vector<Split>;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits further every piece that has no tokens yet.
  virtual void pre_tokenize(PreTokenized& pieces) const = 0;
};

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json::Json& config,
                                                 const std::string& where);

// How Metaspace adds its replacement character in front of a piece.
enum class PrependScheme { kAlways, kFirst, kNever };
PrependScheme parse_prepend_scheme(const json::Json& config, const std::string& where);

}  // namespace hfserve::tokenizer
