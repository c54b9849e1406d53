#include "tokenizer/encoding.h"

#include <algorithm>
#include <utility>

#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

template <typename T>
std::vector<T> slice(const std::vector<T>& v, std::size_t begin, std::size_t count) {
  return {v.begin() + static_cast<std::ptrdiff_t>(begin),
          v.begin() + static_cast<std::ptrdiff_t>(begin + count)};
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

void Encoding::push_everywhere(std::uint32_t id, std::uint32_t type_id, const std::string& token) {
  for (Encoding& window : overflowing) window.push_everywhere(id, type_id, token);
  push(id, type_id, token, {0, 0}, true, -1, -1);
}

void Encoding::append(const Encoding& other) {
  std::vector<Encoding> windows;
  for (const Encoding& mine : overflowing) {
    windows.push_back(mine);
    windows.back().append(other);
    for (const Encoding& theirs : other.overflowing) {
      windows.push_back(mine);
      windows.back().append(theirs);
    }
  }
  for (const Encoding& theirs : other.overflowing) {
    Encoding window = *this;  // with our own windows, as HF's self.clone() has them
    window.append(theirs);
    windows.push_back(std::move(window));
  }
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
  overflowing = std::move(windows);
}

Encoding Encoding::window(std::size_t begin, std::size_t count) const {
  Encoding out;
  out.ids = slice(ids, begin, count);
  out.type_ids = slice(type_ids, begin, count);
  out.tokens = slice(tokens, begin, count);
  out.offsets = slice(offsets, begin, count);
  out.special_tokens_mask = slice(special_tokens_mask, begin, count);
  out.attention_mask = slice(attention_mask, begin, count);
  out.word_ids = slice(word_ids, begin, count);
  out.sequence_ids = slice(sequence_ids, begin, count);
  return out;
}

void Encoding::truncate(std::size_t max_length, std::size_t stride, bool keep_start,
                        bool keep_overflowing) {
  const std::size_t n = size();
  if (n <= max_length) return;
  if (max_length == 0) {
    Encoding all = std::move(*this);
    *this = Encoding{};
    if (keep_overflowing) overflowing.push_back(std::move(all));
    return;
  }
  if (stride >= max_length) {
    throw Error(ErrorCode::kInvalidArgument,
                "truncation: stride " + std::to_string(stride) +
                    " must be less than the length a sequence is truncated to (" +
                    std::to_string(max_length) + ", after the special tokens)");
  }
  // [begin, end) of each window, the kept one first: from the start stepping right, or
  // from the end stepping left, until a window reaches the other end.
  const std::size_t step = max_length - stride;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  if (keep_start) {
    for (std::size_t begin = 0;; begin += step) {
      std::size_t end = std::min(begin + max_length, n);
      ranges.emplace_back(begin, end);
      if (end == n) break;
    }
  } else {
    for (std::size_t end = n;; end -= step) {
      std::size_t begin = end > max_length ? end - max_length : 0;
      ranges.emplace_back(begin, end);
      if (begin == 0 || end <= step) break;
    }
  }
  std::vector<Encoding> windows;
  for (std::size_t i = 1; keep_overflowing && i < ranges.size(); ++i) {
    windows.push_back(window(ranges[i].first, ranges[i].second - ranges[i].first));
  }
  Encoding kept = window(ranges[0].first, ranges[0].second - ranges[0].first);
  kept.overflowing = std::move(windows);
  *this = std::move(kept);
}

void truncate_encodings(Encoding& a, Encoding* b, const TruncationParams& params,
                        bool keep_overflowing) {
  if (params.max_length == 0) {  // everything overflows, as in HF
    a.truncate(0, params.stride, params.truncate_right, keep_overflowing);
    if (b != nullptr) b->truncate(0, params.stride, params.truncate_right, keep_overflowing);
    return;
  }
  std::size_t total = a.size() + (b ? b->size() : 0);
  if (total <= params.max_length) return;
  std::size_t to_remove = total - params.max_length;
  bool keep_start = params.truncate_right;
  switch (params.strategy) {
    case TruncationStrategy::kLongestFirst: {
      if (b == nullptr) {
        a.truncate(params.max_length, params.stride, keep_start, keep_overflowing);
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
      a.truncate(n1, params.stride, keep_start, keep_overflowing);
      b->truncate(n2, params.stride, keep_start, keep_overflowing);
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
      target->truncate(target->size() - to_remove, params.stride, keep_start, keep_overflowing);
      return;
    }
  }
}

void pad_encoding(Encoding& encoding, std::size_t length, const PaddingParams& params) {
  if (params.pad_to_multiple_of && *params.pad_to_multiple_of > 0) {
    std::size_t m = *params.pad_to_multiple_of;
    length = (length + m - 1) / m * m;
  }
  for (Encoding& window : encoding.overflowing) pad_encoding(window, length, params);
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
