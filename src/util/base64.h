// Standard base64 (RFC 4648): decoding the SentencePiece charsmap in tokenizer.json,
// encoding embeddings for `encoding_format: "base64"`.
#pragma once

#include <string>
#include <string_view>

namespace hfserve {

// Padded output.
std::string encode_base64(std::string_view bytes);

// Padding optional; stops at the first '='. Throws Error(invalid_argument) "<where>:
// invalid base64 character at position N" on a character outside the alphabet.
std::string decode_base64(std::string_view text, const std::string& where);

}  // namespace hfserve
