// PrecompiledCharsmap: SentencePiece's normalisation rules as stored in tokenizer.json's
// "Precompiled" normalizer (base64 of: uint32 trie size, a Darts double-array trie over
// UTF-8 byte strings, then the NUL-separated replacement strings). Immutable after
// construction; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hfserve::tokenizer {

class PrecompiledCharsmap {
 public:
  // `blob` is the decoded bytes; throws Error(invalid_argument) when the layout is
  // inconsistent (trie size past the end, no room for the strings).
  explicit PrecompiledCharsmap(std::string blob);

  // The replacement for the shortest key that is a prefix of `chunk`, if any (the rule of
  // HF's Precompiled normalizer).
  std::optional<std::string_view> transform(std::string_view chunk) const;

 private:
  std::vector<std::uint32_t> units_;
  std::string normalized_;
};

}  // namespace hfserve::tokenizer
