#include "util/utf8.h"

namespace hfserve::utf8 {
namespace {

// Sequence length announced by a lead byte, 0 for a byte that cannot start one.
int sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// The valid range of the second byte depends on the lead byte (RFC 3629 table 3-7);
// this is what rules out overlongs, surrogates and code points past U+10FFFF.
bool second_byte_ok(unsigned char lead, unsigned char second) {
  switch (lead) {
    case 0xE0:
      return second >= 0xA0 && second <= 0xBF;
    case 0xED:
      return second >= 0x80 && second <= 0x9F;
    case 0xF0:
      return second >= 0x90 && second <= 0xBF;
    case 0xF4:
      return second >= 0x80 && second <= 0x8F;
    default:
      return second >= 0x80 && second <= 0xBF;
  }
}

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

char32_t decode(std::string_view text, std::size_t& pos) {
  auto lead = static_cast<unsigned char>(text[pos]);
  int length = sequence_length(lead);
  if (length == 1) {
    ++pos;
    return lead;
  }
  if (length == 0 || pos + length > text.size() ||
      !second_byte_ok(lead, static_cast<unsigned char>(text[pos + 1]))) {
    ++pos;
    return kReplacement;
  }
  char32_t cp = lead & (0x7F >> length);
  for (int i = 1; i < length; ++i) {
    auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(byte)) {
      ++pos;
      return kReplacement;
    }
    cp = (cp << 6) | (byte & 0x3F);
  }
  pos += length;
  return cp;
}

bool is_valid(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = pos;
    if (decode(text, pos) == kReplacement) {
      // A literal U+FFFD in the text is valid; a replacement for bad bytes advances by 1.
      if (pos - start != 3) return false;
    }
  }
  return true;
}

void append(std::string& out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacement;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode(char32_t cp) {
  std::string out;
  append(out, cp);
  return out;
}

std::size_t complete_prefix_length(std::string_view text) {
  // An incomplete sequence can only start in the last three bytes.
  std::size_t size = text.size();
  std::size_t first = size > 3 ? size - 3 : 0;
  for (std::size_t start = size; start-- > first;) {
    auto byte = static_cast<unsigned char>(text[start]);
    if (is_continuation(byte)) continue;
    int length = sequence_length(byte);
    if (length <= 1 || start + length <= size) return size;
    // A lead byte whose sequence runs past the end: hold it back if what follows it so
    // far could still become valid.
    if (start + 1 < size && !second_byte_ok(byte, static_cast<unsigned char>(text[start + 1]))) {
      return size;
    }
    for (std::size_t i = start + 2; i < size; ++i) {
      if (!is_continuation(static_cast<unsigned char>(text[i]))) return size;
    }
    return start;
  }
  return size;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count) decode(text, pos);
  return count;
}

}  // namespace hfserve::utf8
