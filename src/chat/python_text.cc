#include "chat/python_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "chat/unicode_case.h"
#include "util/utf8.h"

namespace hfserve::chat::python {
namespace {

bool in_chars(char32_t cp, const std::u32string& chars) {
  return chars.find(cp) != std::u32string::npos;
}

// Python's str.isprintable() for one code point, for repr(): false for the control,
// format, separator (other than space), surrogate and private-use categories. Unassigned
// code points are not tracked (they print as themselves here).
bool is_printable(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0)) return false;
  if (cp == 0xAD || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F)) return false;
  if ((cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x2064)) return false;
  if ((cp >= 0x2066 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF) return false;
  if ((cp >= 0x600 && cp <= 0x605) || cp == 0x61C || cp == 0x6DD || cp == 0x70F) return false;
  if (cp == 0x180E || (cp >= 0xFFF9 && cp <= 0xFFFB)) return false;
  if ((cp >= 0xD800 && cp <= 0xF8FF) || cp >= 0xF0000) return false;
  if (cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F)) return false;
  return true;
}

// str.lower's mapping of cps[i]: a capital sigma becomes final sigma at the end of a
// word (CPython's handle_capital_sigma: preceded by a cased letter and not followed by
// one, case-ignorable characters skipped on both sides).
void append_lower_at(std::u32string& out, const std::u32string& cps, std::size_t i) {
  if (cps[i] != 0x3A3) return unicode::append_lower(out, cps[i]);
  std::size_t j = i;
  while (j > 0 && unicode::is_case_ignorable(cps[j - 1])) --j;
  bool final_sigma = j > 0 && unicode::is_cased(cps[j - 1]);
  if (final_sigma) {
    std::size_t k = i + 1;
    while (k < cps.size() && unicode::is_case_ignorable(cps[k])) ++k;
    final_sigma = k == cps.size() || !unicode::is_cased(cps[k]);
  }
  out += final_sigma ? U'\u03C2' : U'\u03C3';
}

std::string ascii_mapped(std::string_view text, char from, char to) {
  std::string out(text);
  for (char& c : out) {
    if (c >= from && c <= to) c = static_cast<char>(c ^ 0x20);
  }
  return out;
}

}  // namespace

std::string format_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string sci(buffer, result.ptr);
  // sci is "[-]d[.ddd]e[+-]XX": split into sign, digits and decimal exponent.
  std::string sign;
  std::size_t pos = 0;
  if (sci[0] == '-') {
    sign = "-";
    pos = 1;
  }
  std::size_t e = sci.find('e');
  std::string digits;
  for (std::size_t i = pos; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  int exponent = std::atoi(sci.c_str() + e + 1);
  if (exponent >= 16 || exponent < -4) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_text[16];
    std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out + exp_text;
  }
  std::string out = sign;
  if (exponent < 0) {
    out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  } else {
    auto int_len = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
      out += digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return out;
}

std::string string_repr(std::string_view text) {
  bool has_single = text.find('\'') != std::string_view::npos;
  bool has_double = text.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = utf8::decode(text, pos);
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (is_printable(cp)) {
      utf8::append(out, cp);
    } else {
      char escaped[16];
      if (cp < 0x100) {
        std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(cp));
      } else if (cp < 0x10000) {
        std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(cp));
      } else {
        std::snprintf(escaped, sizeof escaped, "\\U%08x", static_cast<unsigned>(cp));
      }
      out += escaped;
    }
  }
  out += quote;
  return out;
}

bool is_space(char32_t cp) {
  if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F)) return true;
  if (cp < 0x80) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::u32string decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) out += utf8::decode(text, pos);
  return out;
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) utf8::append(out, cp);
  return out;
}

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string strip(std::string_view text, StripSide side, const std::optional<std::string>& chars) {
  std::u32string cps = decode(text);
  std::u32string set = chars ? decode(*chars) : std::u32string();
  auto strippable = [&](char32_t cp) { return chars ? in_chars(cp, set) : is_space(cp); };
  std::size_t begin = 0;
  std::size_t end = cps.size();
  if (side != StripSide::kRight) {
    while (begin < end && strippable(cps[begin])) ++begin;
  }
  if (side != StripSide::kLeft) {
    while (end > begin && strippable(cps[end - 1])) --end;
  }
  return encode(std::u32string_view(cps).substr(begin, end - begin));
}

std::vector<std::string> split(std::string_view text, const std::optional<std::string>& sep,
                               std::int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep) {
    std::size_t start = 0;
    while (maxsplit < 0 || static_cast<std::int64_t>(parts.size()) < maxsplit) {
      std::size_t hit = text.find(*sep, start);
      if (hit == std::string_view::npos) break;
      parts.emplace_back(text.substr(start, hit - start));
      start = hit + sep->size();
    }
    parts.emplace_back(text.substr(start));
    return parts;
  }
  std::u32string cps = decode(text);
  std::size_t i = 0;
  while (true) {
    while (i < cps.size() && is_space(cps[i])) ++i;
    if (i == cps.size()) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit) {
      std::size_t end = cps.size();
      while (end > i && is_space(cps[end - 1])) --end;
      parts.push_back(encode(std::u32string_view(cps).substr(i, end - i)));
      break;
    }
    std::size_t start = i;
    while (i < cps.size() && !is_space(cps[i])) ++i;
    parts.push_back(encode(std::u32string_view(cps).substr(start, i - start)));
  }
  return parts;
}

std::vector<std::string> rsplit(std::string_view text, const std::optional<std::string>& sep,
                                std::int64_t maxsplit) {
  if (maxsplit < 0) return split(text, sep, maxsplit);
  std::vector<std::string> parts;
  if (sep) {
    std::size_t end = text.size();
    while (static_cast<std::int64_t>(parts.size()) < maxsplit) {
      if (end < sep->size()) break;
      std::size_t hit = text.rfind(*sep, end - sep->size());
      if (hit == std::string_view::npos) break;
      parts.emplace_back(text.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    parts.emplace_back(text.substr(0, end));
  } else {
    std::u32string cps = decode(text);
    std::size_t i = cps.size();
    while (true) {
      while (i > 0 && is_space(cps[i - 1])) --i;
      if (i == 0) break;
      if (static_cast<std::int64_t>(parts.size()) == maxsplit) {
        std::size_t begin = 0;
        while (begin < i && is_space(cps[begin])) ++begin;
        parts.push_back(encode(std::u32string_view(cps).substr(begin, i - begin)));
        break;
      }
      std::size_t end = i;
      while (i > 0 && !is_space(cps[i - 1])) --i;
      parts.push_back(encode(std::u32string_view(cps).substr(i, end - i)));
    }
  }
  return {parts.rbegin(), parts.rend()};
}

std::string replace(std::string_view text, std::string_view old_text, std::string_view new_text,
                    std::int64_t count) {
  std::string out;
  std::int64_t done = 0;
  if (old_text.empty()) {
    // Python inserts `new` before every code point and at the end.
    std::size_t pos = 0;
    while (pos < text.size() && (count < 0 || done < count)) {
      out += new_text;
      std::size_t start = pos;
      utf8::decode(text, pos);
      out += text.substr(start, pos - start);
      ++done;
    }
    out += text.substr(pos);
    if (count < 0 || done < count) out += new_text;
    return out;
  }
  std::size_t start = 0;
  while (count < 0 || done < count) {
    std::size_t hit = text.find(old_text, start);
    if (hit == std::string_view::npos) break;
    out += text.substr(start, hit - start);
    out += new_text;
    start = hit + old_text.size();
    ++done;
  }
  out += text.substr(start);
  return out;
}

std::string upper(std::string_view text) {
  if (is_ascii(text)) return ascii_mapped(text, 'a', 'z');
  std::u32string out;
  for (char32_t cp : decode(text)) unicode::append_upper(out, cp);
  return encode(out);
}

std::string lower(std::string_view text) {
  if (is_ascii(text)) return ascii_mapped(text, 'A', 'Z');
  std::u32string cps = decode(text);
  std::u32string out;
  for (std::size_t i = 0; i < cps.size(); ++i) append_lower_at(out, cps, i);
  return encode(out);
}

std::string casefold(std::string_view text) {
  if (is_ascii(text)) return ascii_mapped(text, 'A', 'Z');
  std::u32string out;
  for (char32_t cp : decode(text)) unicode::append_casefold(out, cp);
  return encode(out);
}

std::string capitalize(std::string_view text) {
  std::u32string cps = decode(text);
  std::u32string out;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (i == 0) {
      unicode::append_title(out, cps[i]);
    } else {
      append_lower_at(out, cps, i);
    }
  }
  return encode(out);
}

std::string title(std::string_view text) {
  std::u32string cps = decode(text);
  std::u32string out;
  bool previous_cased = false;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (previous_cased) {
      append_lower_at(out, cps, i);
    } else {
      unicode::append_title(out, cps[i]);
    }
    previous_cased = unicode::is_cased(cps[i]);
  }
  return encode(out);
}

bool is_lower(std::string_view text) {
  bool cased = false;
  for (char32_t cp : decode(text)) {
    if (unicode::is_uppercase(cp) || unicode::is_titlecase(cp)) return false;
    cased = cased || unicode::is_lowercase(cp);
  }
  return cased;
}

bool is_upper(std::string_view text) {
  bool cased = false;
  for (char32_t cp : decode(text)) {
    if (unicode::is_lowercase(cp) || unicode::is_titlecase(cp)) return false;
    cased = cased || unicode::is_uppercase(cp);
  }
  return cased;
}

bool is_title(std::string_view text) {
  bool cased = false;
  bool previous_cased = false;
  for (char32_t cp : decode(text)) {
    if (unicode::is_uppercase(cp) || unicode::is_titlecase(cp)) {
      if (previous_cased) return false;
      previous_cased = cased = true;
    } else if (unicode::is_lowercase(cp)) {
      if (!previous_cased) return false;
      previous_cased = cased = true;
    } else {
      previous_cased = false;
    }
  }
  return cased;
}

std::int64_t count(std::string_view text, std::string_view needle) {
  if (needle.empty()) return static_cast<std::int64_t>(decode(text).size()) + 1;
  std::int64_t n = 0;
  std::size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string_view::npos) {
    ++n;
    pos += needle.size();
  }
  return n;
}

std::int64_t find(std::string_view text, std::string_view needle, bool reverse) {
  std::size_t hit = reverse ? text.rfind(needle) : text.find(needle);
  if (hit == std::string_view::npos) return -1;
  return static_cast<std::int64_t>(utf8::count_code_points(text.substr(0, hit)));
}

}  // namespace hfserve::chat::python
