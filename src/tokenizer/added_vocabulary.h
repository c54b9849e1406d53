// AddedVocabulary: the "added_tokens" of tokenizer.json. Before normalisation, it cuts
// the text at the added tokens that match raw text (normalized: false), then normalizes
// the rest and cuts it at those that match normalized text, honouring single_word,
// lstrip and rstrip; leftmost-longest matching, as HF does. Immutable after
// construction; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tokenizer/json_fields.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/pre_tokenizers.h"

namespace hfserve::tokenizer {

struct AddedToken {
  std::string content;
  std::uint32_t id = 0;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `normalizer` (may be null) normalizes the content of normalized tokens once, here.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // The text split at added tokens (which come with their token) with the other pieces
  // normalized. With split_special, special tokens are not matched (HF's
  // encode_special_tokens).
  PreTokenized extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                                     bool split_special) const;

  std::optional<std::uint32_t> token_to_id(std::string_view content) const;
  const AddedToken* find(std::uint32_t id) const;
  bool is_special(std::string_view content) const;

 private:
  // Patterns for one matching pass, bucketed by first byte, longest first.
  struct Matcher {
    std::vector<std::pair<std::string, std::size_t>> by_first_byte[256];  // pattern, index
    bool empty = true;
  };
  void add_pattern(Matcher& matcher, std::string pattern, std::size_t index);
  std::vector<Split> split_with(const NormalizedString& text, const Matcher& matcher,
                                bool split_special) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<std::string, std::uint32_t> by_content_;
  std::unordered_map<std::uint32_t, std::size_t> by_id_;
  std::unordered_set<std::string> special_;
  Matcher raw_;
  Matcher normalized_;
};

// Reads the "added_tokens" array.
std::vector<AddedToken> read_added_tokens(const json::Json& list, const std::string& where);

}  // namespace hfserve::tokenizer
