// Normalizers of tokenizer.json ("normalizer"): NFC, NFD, NFKC, NFKD, Lowercase,
// StripAccents, Strip, Replace (string or regex), Prepend, BertNormalizer, Precompiled,
// Sequence. Each rewrites a NormalizedString in place, keeping its alignments.
// Immutable after construction; normalize() is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "tokenizer/json_fields.h"
#include "tokenizer/normalized_string.h"

namespace hfserve::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& text) const = 0;
};

// Builds the normalizer described by `config`; `where` is its JSON path, for errors.
std::unique_ptr<Normalizer> make_normalizer(const json::Json& config, const std::string& where);

}  // namespace hfserve::tokenizer
