// Encoding: the result of encoding one text or a pair of texts (what HF's
// tokenizers.Encoding holds), and the truncation and padding rules that reshape it.
// A plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/normalized_string.h"

namespace hfserve::tokenizer {

struct Encoding {
  std::vector<std::uint32_t> ids;
  std::vector<std::uint32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<Offsets> offsets;  // bytes of the input text its sequence came from
  std::vector<std::uint8_t> special_tokens_mask;
  std::vector<std::uint8_t> attention_mask;
  std::vector<std::int64_t> word_ids;      // -1 for none (special and padding tokens)
  std::vector<std::int32_t> sequence_ids;  // 0 or 1 for the pair member; -1 for none

  std::size_t size() const { return ids.size(); }
  void push(std::uint32_t id, std::uint32_t type_id, std::string token, Offsets offsets,
            bool special, std::int64_t word_id, std::int32_t sequence_id);
  // Appends all of `other`.
  void append(const Encoding& other);
  // Keeps `max_length` tokens from the right end (kRight keeps the start) or the left.
  void truncate(std::size_t max_length, bool keep_start);
};

enum class TruncationStrategy { kLongestFirst, kOnlyFirst, kOnlySecond };

struct TruncationParams {
  std::size_t max_length = 512;
  TruncationStrategy strategy = TruncationStrategy::kLongestFirst;
  bool truncate_right = true;  // direction "Right": drop tokens at the end
  std::size_t stride = 0;      // accepted; overflowing windows are not produced
};

struct PaddingParams {
  std::optional<std::size_t> fixed_length;  // nullopt: pad to the longest of the batch
  bool pad_right = true;
  std::optional<std::size_t> pad_to_multiple_of;
  std::uint32_t pad_id = 0;
  std::uint32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

// HF's truncate_encodings: shortens `a` (and `b`) to max_length tokens in total. Throws
// Error(invalid_argument) when OnlyFirst/OnlySecond cannot reach the length.
void truncate_encodings(Encoding& a, Encoding* b, const TruncationParams& params);

// Pads `encoding` to `length` (rounded up to pad_to_multiple_of) when shorter.
void pad_encoding(Encoding& encoding, std::size_t length, const PaddingParams& params);

}  // namespace hfserve::tokenizer
