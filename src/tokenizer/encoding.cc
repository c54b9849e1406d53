#include "tokenizer/encoding.h"

#include <algorithm>
#include <utility>

#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

template <typename T>
void keep_range(std::vector<T>& v, std::size_t begin, std::size_t count) {
  std::vector<T> kept(v.begin() + static_cast<std::ptrdiff_t>(begin),
                      v.begin() + static_cast<std::ptrdiff_t>(begin + count));
  v = std::move(kept);
}

template <typename T>
void pad_vector(std::vector<T>& v, std::size_t n, const T& value, bool right) {
  if (right) {
    v.insert(v.end(), n, value);
  } else {
    v.insert(v.begin(), n, value);
  }
}

}  // namespace

void Encoding::push(std::uint32_t id, std::uint32_t type_id, std::string token, Offsets offset,
                    bool special, std::int64_t word_id, std::int32_t sequence_id) {
  ids.push_back(id);
  type_ids.push_back(type_id);
  tokens.push_back(std::move(token));
  offsets.push_back(offset);
  special_tokens_mask.push_back(special ? 1 : 0);
  attention_mask.push_back(1);
  word_ids.push_back(word_id);
  sequence_ids.push_back(sequence_id);
}

void Encoding::append(const Encoding& other) {
  ids.insert(ids.end(), other.ids.begin(), other.ids.end());
  type_ids.insert(type_ids.end(), other.type_ids.begin(), other.type_ids.end());
  tokens.insert(tokens.end(), other.tokens.begin(), other.tokens.end());
  offsets.insert(offsets.end(), other.offsets.begin(), other.offsets.end());
  special_tokens_mask.insert(special_tokens_mask.end(), other.special_tokens_mask.begin(),
                             other.special_tokens_mask.end());
  attention_mask.insert(attention_mask.end(), other.attention_mask.begin(),
                        other.attention_mask.end());
  word_ids.insert(word_ids.end(), other.word_ids.begin(), other.word_ids.end());
  sequence_ids.insert(sequence_ids.end(), other.sequence_ids.begin(), other.sequence_ids.end());
}

void Encoding::truncate(std::size_t max_length, bool keep_start) {
  if (size() <= max_length) return;
  std::size_t begin = keep_start ? 0 : size() - max_length;
  keep_range(ids, begin, max_length);
  keep_range(type_ids, begin, max_length);
  keep_range(tokens, begin, max_length);
  keep_range(offsets, begin, max_length);
  keep_range(special_tokens_mask, begin, max_length);
  keep_range(attention_mask, begin, max_length);
  keep_range(word_ids, begin, max_length);
  keep_range(sequence_ids, begin, max_length);
}

void truncate_encodings(Encoding& a, Encoding* b, const TruncationParams& params) {
  std::size_t total = a.size() + (b ? b->size() : 0);
  if (total <= params.max_length) return;
  std::size_t to_remove = total - params.max_length;
  bool keep_start = params.truncate_right;
  switch (params.strategy) {
    case TruncationStrategy::kLongestFirst: {
      if (b == nullptr) {
        a.truncate(params.max_length, keep_start);
        return;
      }
      std::size_t n1 = a.size();
      std::size_t n2 = b->size();
      bool swapped = n1 > n2;
      if (swapped) std::swap(n1, n2);
      if (n1 > params.max_length) {
        n2 = n1;
      } else {
        n2 = std::max(n1, params.max_length - n1);
      }
      if (n1 + n2 > params.max_length) {
        n1 = params.max_length / 2;
        n2 = n1 + params.max_length % 2;
      }
      if (swapped) std::swap(n1, n2);
      a.truncate(n1, keep_start);
      b->truncate(n2, keep_start);
      return;
    }
    case TruncationStrategy::kOnlyFirst:
    case TruncationStrategy::kOnlySecond: {
      Encoding* target = params.strategy == TruncationStrategy::kOnlyFirst ? &a : b;
      if (target == nullptr || target->size() <= to_remove) {
        throw Error(ErrorCode::kInvalidArgument,
                    "truncation: the sequence to truncate is too short to respect max_length " +
                        std::to_string(params.max_length));
      }
      target->truncate(target->size() - to_remove, keep_start);
      return;
    }
  }
}

void pad_encoding(Encoding& encoding, std::size_t length, const PaddingParams& params) {
  if (params.pad_to_multiple_of && *params.pad_to_multiple_of > 0) {
    std::size_t m = *params.pad_to_multiple_of;
    length = (length + m - 1) / m * m;
  }
  if (encoding.size() >= length) return;
  std::size_t n = length - encoding.size();
  bool right = params.pad_right;
  pad_vector(encoding.ids, n, params.pad_id, right);
  pad_vector(encoding.type_ids, n, params.pad_type_id, right);
  pad_vector(encoding.tokens, n, params.pad_token, right);
  pad_vector(encoding.offsets, n, Offsets{0, 0}, right);
  pad_vector(encoding.special_tokens_mask, n, std::uint8_t{1}, right);
  pad_vector(encoding.attention_mask, n, std::uint8_t{0}, right);
  pad_vector(encoding.word_ids, n, std::int64_t{-1}, right);
  pad_vector(encoding.sequence_ids, n, std::int32_t{-1}, right);
}

}  // namespace hfserve::tokenizer
