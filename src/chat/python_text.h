// Python's text behaviour that templates observe: float repr, string repr, str.isspace,
// strip/split, case changes, and code-point indexing of UTF-8 strings. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hfserve::chat::python {

// repr(float): the shortest digits that round-trip, "1.0", "1e+16", "1e-05", "inf", "nan".
std::string format_float(double value);
// repr(str): quoted with ' (or " when only ' occurs), escapes as CPython prints them.
std::string string_repr(std::string_view text);
// str.isspace() for one code point.
bool is_space(char32_t cp);

// The string as code points and back (malformed bytes become U+FFFD).
std::u32string decode(std::string_view text);
std::string encode(std::u32string_view text);
// True when every byte is ASCII, so byte and code-point indices agree.
bool is_ascii(std::string_view text);

enum class StripSide { kLeft, kRight, kBoth };
// str.strip/lstrip/rstrip: whitespace when chars is empty optional, else those code points.
std::string strip(std::string_view text, StripSide side,
                  const std::optional<std::string>& chars = std::nullopt);
// str.split(sep, maxsplit) (sep absent: runs of whitespace, no empty pieces).
std::vector<std::string> split(std::string_view text, const std::optional<std::string>& sep,
                               std::int64_t maxsplit);
// str.rsplit(sep, maxsplit).
std::vector<std::string> rsplit(std::string_view text, const std::optional<std::string>& sep,
                                std::int64_t maxsplit);
// str.replace(old, new, count) (count < 0: all), with Python's rule for an empty `old`.
std::string replace(std::string_view text, std::string_view old_text, std::string_view new_text,
                    std::int64_t count);
// str.upper/lower/casefold/capitalize/title over all of Unicode (unicode_case.h): full
// mappings (ß.upper() is SS), title case for the first letter of capitalize and title,
// and the final sigma of lower.
std::string upper(std::string_view text);
std::string lower(std::string_view text);
std::string casefold(std::string_view text);
std::string capitalize(std::string_view text);
std::string title(std::string_view text);
// str.islower/isupper/istitle (CPython's definitions over the Lowercase, Uppercase and Lt
// properties).
bool is_lower(std::string_view text);
bool is_upper(std::string_view text);
bool is_title(std::string_view text);
// Number of non-overlapping occurrences (str.count).
std::int64_t count(std::string_view text, std::string_view needle);
// str.find in code points; -1 when absent.
std::int64_t find(std::string_view text, std::string_view needle, bool reverse);

}  // namespace hfserve::chat::python
