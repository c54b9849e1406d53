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
  // What truncation cut off, as windows of the same shape (HF's overflowing): each has
  // the special tokens, padding and offset trimming the kept part has. A pair whose both
  // members overflow nests, as in HF (Encoding::merge_with).
  std::vector<Encoding> overflowing;

  std::size_t size() const { return ids.size(); }
  void push(std::uint32_t id, std::uint32_t type_id, std::string token, Offsets offsets,
            bool special, std::int64_t word_id, std::int32_t sequence_id);
  // Pushes a special token onto this encoding and every overflowing window.
  void push_everywhere(std::uint32_t id, std::uint32_t type_id, const std::string& token);
  // Appends all of `other`, combining the overflowing windows of both as HF's merge_with
  // does: each of ours with `other` and with each of its windows, then us with each of
  // its windows.
  void append(const Encoding& other);
  // Tokens [begin, begin + count), without overflowing windows.
  Encoding window(std::size_t begin, std::size_t count) const;
  // Keeps `max_length` tokens, from the start when keep_start (direction Right) else from
  // the end; the rest becomes overflowing windows of max_length tokens that overlap their
  // neighbours by `stride` tokens (HF's Encoding::truncate). Requires stride < max_length
  // unless max_length is 0 (then everything overflows). Without keep_overflowing the
  // windows are not made.
  void truncate(std::size_t max_length, std::size_t stride, bool keep_start, bool keep_overflowing);
};

enum class TruncationStrategy { kLongestFirst, kOnlyFirst, kOnlySecond };

struct TruncationParams {
  std::size_t max_length = 512;
  TruncationStrategy strategy = TruncationStrategy::kLongestFirst;
  bool truncate_right = true;  // direction "Right": drop tokens at the end
  std::size_t stride = 0;      // tokens each overflowing window repeats from its neighbour
};

struct PaddingParams {
  std::optional<std::size_t> fixed_length;  // nullopt: pad to the longest of the batch
  bool pad_right = true;
  std::optional<std::size_t> pad_to_multiple_of;
  std::uint32_t pad_id = 0;
  std::uint32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

// HF's truncate_encodings: shortens `a` (and `b`) to max_length tokens in total, the cut
// tokens going to overflowing windows. Throws Error(invalid_argument) when
// OnlyFirst/OnlySecond cannot reach the length or a truncated member would be no longer
// than the stride.
void truncate_encodings(Encoding& a, Encoding* b, const TruncationParams& params,
                        bool keep_overflowing);

// Pads `encoding` and its overflowing windows to `length` (rounded up to
// pad_to_multiple_of) when shorter.
void pad_encoding(Encoding& encoding, std::size_t length, const PaddingParams& params);

}  // namespace hfserve::tokenizer
