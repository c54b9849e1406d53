#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string_view>
#include <utility>

#include "tokenizer/unicode_age.h"
#include "util/error.h"
#include "util/utf8.h"

namespace hfserve::tokenizer::unicode {
namespace {

utf8proc_category_t category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

// The category as the unicode_categories crate's Unicode 8.0 tables give it (unicode_age.h).
utf8proc_category_t category_in_unicode_8(char32_t cp) {
  // Both tables start well above Latin, Greek and Cyrillic: no lookup for most text.
  if (cp < kAssignedAfterUnicode8.front().first && cp < kCategoryChangedAfterUnicode8.front().cp) {
    return category(cp);
  }
  auto changed = std::lower_bound(
      kCategoryChangedAfterUnicode8.begin(), kCategoryChangedAfterUnicode8.end(), cp,
      [](const CategoryIn8& entry, char32_t value) { return entry.cp < value; });
  if (changed != kCategoryChangedAfterUnicode8.end() && changed->cp == cp) {
    return changed->category;
  }
  if (in_ranges(kAssignedAfterUnicode8, cp)) return UTF8PROC_CATEGORY_CN;
  return category(cp);
}

}  // namespace

bool in_ranges(std::span<const CodePointRange> ranges, char32_t cp) {
  auto after = std::upper_bound(
      ranges.begin(), ranges.end(), cp,
      [](char32_t value, const CodePointRange& range) { return value < range.first; });
  return after != ranges.begin() && cp <= std::prev(after)->last;
}

bool is_whitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool is_numeric(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  auto c = category(cp);
  return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

bool is_alphanumeric(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  auto c = category(cp);
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || is_numeric(cp);
}

bool is_punctuation(char32_t cp) {
  auto c = category_in_unicode_8(cp);
  return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

bool is_other(char32_t cp) {
  auto c = category_in_unicode_8(cp);
  return c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CS ||
         c == UTF8PROC_CATEGORY_CO;
}

bool is_nonspacing_mark(char32_t cp) { return category_in_unicode_8(cp) == UTF8PROC_CATEGORY_MN; }

bool is_combining_mark(char32_t cp) {
  auto c = category(cp);
  return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

int combining_class(char32_t cp) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class;
}

void append_lowercase(std::u32string& out, char32_t cp) {
  if (cp == 0x130) {  // the one unconditional multi-code-point lowercase mapping
    out.push_back(U'i');
    out.push_back(0x307);
    return;
  }
  // Rust's tables are Unicode 16.0; utf8proc here is 15.0. The capital letters 16.0 added:
  if (cp >= 0x10D50 && cp <= 0x10D65) {  // Garay
    out.push_back(cp + 0x20);
    return;
  }
  static constexpr std::pair<char32_t, char32_t> kUnicode16[] = {
      {0x1C89, 0x1C8A}, {0xA7CB, 0x0264}, {0xA7CC, 0xA7CD}, {0xA7DA, 0xA7DB}, {0xA7DC, 0x019B}};
  for (const auto& [upper, lower] : kUnicode16) {
    if (cp == upper) {
      out.push_back(lower);
      return;
    }
  }
  out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
}

namespace {

std::string normalize_utf8proc(std::string_view text, NormalForm form) {
  int options = UTF8PROC_STABLE;
  switch (form) {
    case NormalForm::kNfc:
      options |= UTF8PROC_COMPOSE;
      break;
    case NormalForm::kNfd:
      options |= UTF8PROC_DECOMPOSE;
      break;
    case NormalForm::kNfkc:
      options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
      break;
    case NormalForm::kNfkd:
      options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
      break;
  }
  utf8proc_uint8_t* out = nullptr;
  auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                             static_cast<utf8proc_ssize_t>(text.size()), &out,
                             static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (length < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string("unicode normalisation failed: ") + utf8proc_errmsg(length));
  }
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(length));
}

}  // namespace

std::string normalize(std::string_view text, NormalForm form) {
  // HF's normalization tables are Unicode 9.0's: a code point assigned later neither
  // decomposes, composes nor reorders there. It passes through, and the text on each side
  // of it is normalized on its own.
  std::string out;
  std::size_t start = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t at = pos;
    const char32_t cp = utf8::decode(text, pos);
    if (cp < kAssignedAfterUnicode9.front().first || !in_ranges(kAssignedAfterUnicode9, cp))
      continue;
    out += normalize_utf8proc(text.substr(start, at - start), form);
    out.append(text.substr(at, pos - at));
    start = pos;
  }
  if (start == 0) return normalize_utf8proc(text, form);
  return out + normalize_utf8proc(text.substr(start), form);
}

std::u32string to_u32(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) out.push_back(utf8::decode(text, pos));
  return out;
}

std::string to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) utf8::append(out, cp);
  return out;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t pos = 0;
  const std::size_t n = bytes.size();
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  while (pos < n) {
    unsigned char lead = byte(pos);
    if (lead < 0x80) {
      out.push_back(static_cast<char>(lead));
      ++pos;
      continue;
    }
    std::size_t need = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      need = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      need = 2;
      if (lead == 0xE0) lo = 0xA0;
      if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      need = 3;
      if (lead == 0xF0) lo = 0x90;
      if (lead == 0xF4) hi = 0x8F;
    }
    // Consume the longest prefix of a valid sequence (the "maximal subpart"); if it is
    // incomplete or the lead is invalid, it becomes one U+FFFD.
    std::size_t len = 1;
    bool complete = need > 0;
    for (std::size_t k = 0; k < need; ++k) {
      if (pos + len >= n) {
        complete = false;
        break;
      }
      unsigned char b = byte(pos + len);
      unsigned char low = k == 0 ? lo : 0x80;
      unsigned char high = k == 0 ? hi : 0xBF;
      if (b < low || b > high) {
        complete = false;
        break;
      }
      ++len;
    }
    if (complete) {
      out.append(bytes.substr(pos, len));
    } else {
      out.append("\xEF\xBF\xBD");
    }
    pos += len;
  }
  return out;
}

}  // namespace hfserve::tokenizer::unicode
