// UTF-8 helpers shared by the tokenizer (byte-level and character offsets), the chat
// template engine and streaming detokenisation (never emit half a character).
// Pure functions over bytes; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hfserve::utf8 {

// U+FFFD, what the decoders below return for a malformed sequence.
inline constexpr char32_t kReplacement = 0xFFFD;

// Decodes the code point starting at text[pos] and advances pos past it. A malformed,
// overlong, surrogate or truncated sequence yields kReplacement and advances by one byte
// (the "maximal subpart" is not merged), so decoding always makes progress.
// Requires pos < text.size().
char32_t decode(std::string_view text, std::size_t& pos);

// True when the text is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF).
bool is_valid(std::string_view text);

// Appends the UTF-8 encoding of `cp` (kReplacement for a surrogate or cp > U+10FFFF).
void append(std::string& out, char32_t cp);
std::string encode(char32_t cp);

// The length of the longest prefix of `text` that does not end inside an incomplete
// multi-byte sequence: what a streaming decoder may emit now, keeping the rest for
// the next chunk. Malformed bytes count as complete (they will be replaced anyway).
std::size_t complete_prefix_length(std::string_view text);

// Number of code points (malformed bytes count one each, as decode() sees them).
std::size_t count_code_points(std::string_view text);

}  // namespace hfserve::utf8
