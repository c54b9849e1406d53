// Unicode character properties and normalisation as the Hugging Face tokenizers library
// (Rust) sees them: Rust's char::is_whitespace / is_alphanumeric, general categories,
// full lowercase mapping, NFC/NFD/NFKC/NFKD. Backed by utf8proc. Pure functions;
// thread-safe. Inputs to the string functions must be valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hfserve::tokenizer::unicode {

// Rust char::is_whitespace (the Unicode White_Space property).
bool is_whitespace(char32_t cp);
// Rust char::is_alphanumeric: letters, numbers (Nd, Nl, No).
bool is_alphanumeric(char32_t cp);
// Rust char::is_numeric: Nd, Nl, No.
bool is_numeric(char32_t cp);
// The categories below are the unicode_categories crate's, which HF's BertNormalizer,
// BertPreTokenizer and Punctuation use: its tables are Unicode 8.0's, so a code point
// assigned since has none of them (unicode_age.h).
// Any punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
bool is_punctuation(char32_t cp);
// The "other" categories Cc, Cf, Cs, Co. Not Cn: the crate lists no unassigned code
// points, so BERT's clean_text keeps them.
bool is_other(char32_t cp);
// Mn only (what BERT's accent stripping removes).
bool is_nonspacing_mark(char32_t cp);
// Mn, Mc, Me (what the StripAccents normalizer removes).
bool is_combining_mark(char32_t cp);
// Canonical combining class (0 for starters).
int combining_class(char32_t cp);

// Appends the full lowercase mapping of cp (Rust char::to_lowercase): usually one code
// point, two for U+0130.
void append_lowercase(std::u32string& out, char32_t cp);

enum class NormalForm { kNfc, kNfd, kNfkc, kNfkd };
// The normal form of valid UTF-8 `text`.
std::string normalize(std::string_view text, NormalForm form);

// Decodes valid UTF-8 (the tokenizer sanitises its input first) into code points.
std::u32string to_u32(std::string_view text);
std::string to_utf8(std::u32string_view text);

// Byte length of the UTF-8 sequence whose lead byte is `lead` (1 for a stray byte).
inline std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Replaces each maximal ill-formed subsequence with U+FFFD, as Rust's
// String::from_utf8_lossy and Python's bytes.decode(errors="replace") do.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace hfserve::tokenizer::unicode
