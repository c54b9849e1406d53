// The GPT-2 byte-level alphabet: every byte maps to one printable code point (printable
// Latin-1 bytes to themselves, the rest to U+0100 onwards), so that BPE over these
// "characters" covers any byte string. Used by the ByteLevel pre-tokenizer, decoder and
// post-processor. Pure functions over a static table; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hfserve::tokenizer::byte_level {

// The code point standing for `byte`.
char32_t byte_to_char(std::uint8_t byte);
// The byte a code point of the alphabet stands for; nullopt for any other code point.
std::optional<std::uint8_t> char_to_byte(char32_t cp);
// The UTF-8 of the alphabet characters for every byte of `bytes`.
std::string encode(std::string_view bytes);

// GPT-2's split pattern, used when the ByteLevel pre-tokenizer has use_regex.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace hfserve::tokenizer::byte_level
