#include "tokenizer/precompiled_charsmap.h"

#include <cstring>

#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

// Darts-clone unit layout.
bool has_leaf(std::uint32_t unit) { return ((unit >> 8) & 1) == 1; }
std::uint32_t value(std::uint32_t unit) { return unit & ((1u << 31) - 1); }
std::uint32_t label(std::uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
std::uint32_t offset(std::uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

}  // namespace

PrecompiledCharsmap::PrecompiledCharsmap(std::string blob) {
  if (blob.size() < 4) {
    throw Error(ErrorCode::kInvalidArgument,
                "precompiled_charsmap: shorter than its 4-byte header");
  }
  std::uint32_t trie_size = 0;
  std::memcpy(&trie_size, blob.data(), 4);
  if (trie_size % 4 != 0 || trie_size > blob.size() - 4) {
    throw Error(ErrorCode::kInvalidArgument,
                "precompiled_charsmap: trie size " + std::to_string(trie_size) +
                    " does not fit in the " + std::to_string(blob.size()) + "-byte blob");
  }
  units_.resize(trie_size / 4);
  std::memcpy(units_.data(), blob.data() + 4, trie_size);
  normalized_ = blob.substr(4 + trie_size);
}

std::optional<std::string_view> PrecompiledCharsmap::transform(std::string_view chunk) const {
  if (units_.empty()) return std::nullopt;
  std::size_t node = offset(units_[0]);
  for (char ch : chunk) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) break;
    node ^= c;
    if (node >= units_.size()) return std::nullopt;
    std::uint32_t unit = units_[node];
    if (label(unit) != c) return std::nullopt;
    node ^= offset(unit);
    if (node >= units_.size()) return std::nullopt;
    if (has_leaf(unit)) {
      std::size_t start = value(units_[node]);
      if (start >= normalized_.size()) return std::nullopt;
      std::size_t end = normalized_.find('\0', start);
      if (end == std::string::npos) end = normalized_.size();
      return std::string_view(normalized_).substr(start, end - start);
    }
  }
  return std::nullopt;
}

}  // namespace hfserve::tokenizer
