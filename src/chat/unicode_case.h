// Unicode case mapping as Python's str methods do it (CPython's _PyUnicode_ToUpperFull and
// friends): the full mappings of SpecialCasing.txt (ß -> SS) where they exist, else the
// simple ones of UnicodeData.txt (from utf8proc), and the Cased / Case_Ignorable
// properties that title case and the final sigma of str.lower depend on. Python's
// language-specific mappings (Turkish, Lithuanian) are not applied, as Python does not
// apply them. Pure functions over code points; thread-safe.
#pragma once

#include <span>
#include <string>

namespace hfserve::chat::unicode {

// Each appends the mapping of `cp` (one to three code points) to `out`.
void append_upper(std::u32string& out, char32_t cp);
void append_lower(std::u32string& out, char32_t cp);
void append_title(std::u32string& out, char32_t cp);
void append_casefold(std::u32string& out, char32_t cp);  // full case folding (str.casefold)

bool is_cased(char32_t cp);
bool is_case_ignorable(char32_t cp);
// The Lowercase and Uppercase properties, and the Lt category (what str.islower,
// str.isupper and str.istitle test).
bool is_lowercase(char32_t cp);
bool is_uppercase(char32_t cp);
bool is_titlecase(char32_t cp);

// The generated tables (unicode_case_tables.cc, from scripts/gen_case_tables.py).
struct SpecialCase {
  char32_t code;
  // The mapping, zero-padded.
  char32_t lower[3];
  char32_t title[3];
  char32_t upper[3];
};
struct CodeRange {
  char32_t first;
  char32_t last;  // inclusive
};
extern const std::span<const SpecialCase> kSpecialCases;       // sorted by code
extern const std::span<const CodeRange> kCasedRanges;          // sorted, disjoint
extern const std::span<const CodeRange> kCaseIgnorableRanges;  // sorted, disjoint
extern const std::span<const CodeRange> kLowercaseRanges;      // sorted, disjoint
extern const std::span<const CodeRange> kUppercaseRanges;      // sorted, disjoint

}  // namespace hfserve::chat::unicode
