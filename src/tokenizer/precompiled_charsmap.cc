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

std::string decode_base64(std::string_view text, const std::string& where) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') break;
    int v = value_of(c);
    if (v < 0) {
      throw Error(ErrorCode::kInvalidArgument, "tokenizer.json: " + where +
                                                   ": invalid base64 character at position " +
                                                   std::to_string(i));
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace hfserve::tokenizer
