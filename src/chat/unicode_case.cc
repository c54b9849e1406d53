#include "chat/unicode_case.h"

#include <utf8proc.h>

#include <algorithm>

namespace hfserve::chat::unicode {
namespace {

const SpecialCase* find_special(char32_t cp) {
  auto it =
      std::lower_bound(kSpecialCases.begin(), kSpecialCases.end(), cp,
                       [](const SpecialCase& entry, char32_t key) { return entry.code < key; });
  return it != kSpecialCases.end() && it->code == cp ? &*it : nullptr;
}

bool in_ranges(std::span<const CodeRange> ranges, char32_t cp) {
  auto it =
      std::upper_bound(ranges.begin(), ranges.end(), cp,
                       [](char32_t key, const CodeRange& range) { return key < range.first; });
  return it != ranges.begin() && cp <= std::prev(it)->last;
}

void append_mapping(std::u32string& out, const char32_t (&mapping)[3]) {
  for (char32_t cp : mapping) {
    if (cp == 0) break;
    out += cp;
  }
}

// utf8proc's simple mapping; code points beyond Unicode map to themselves.
char32_t simple(char32_t cp, utf8proc_int32_t (*map)(utf8proc_int32_t)) {
  if (cp > 0x10FFFF) return cp;
  return static_cast<char32_t>(map(static_cast<utf8proc_int32_t>(cp)));
}

}  // namespace

void append_upper(std::u32string& out, char32_t cp) {
  if (const SpecialCase* special = find_special(cp)) return append_mapping(out, special->upper);
  out += simple(cp, utf8proc_toupper);
}

void append_lower(std::u32string& out, char32_t cp) {
  if (const SpecialCase* special = find_special(cp)) return append_mapping(out, special->lower);
  out += simple(cp, utf8proc_tolower);
}

void append_title(std::u32string& out, char32_t cp) {
  if (const SpecialCase* special = find_special(cp)) return append_mapping(out, special->title);
  out += simple(cp, utf8proc_totitle);
}

void append_casefold(std::u32string& out, char32_t cp) {
  if (cp > 0x10FFFF) {
    out += cp;
    return;
  }
  // With only UTF8PROC_CASEFOLD, utf8proc folds (full folding, CaseFolding.txt C+F) and
  // neither decomposes nor composes. A folding is at most three code points.
  utf8proc_int32_t folded[4];
  int last_boundclass = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), folded, 4,
                                               UTF8PROC_CASEFOLD, &last_boundclass);
  if (n < 1 || n > 4) {
    out += cp;
    return;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) out += static_cast<char32_t>(folded[i]);
}

bool is_cased(char32_t cp) { return in_ranges(kCasedRanges, cp); }

bool is_case_ignorable(char32_t cp) { return in_ranges(kCaseIgnorableRanges, cp); }

bool is_lowercase(char32_t cp) { return in_ranges(kLowercaseRanges, cp); }

bool is_uppercase(char32_t cp) { return in_ranges(kUppercaseRanges, cp); }

bool is_titlecase(char32_t cp) {
  return cp <= 0x10FFFF &&
         utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_LT;
}

}  // namespace hfserve::chat::unicode
