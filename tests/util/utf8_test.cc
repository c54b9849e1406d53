// UTF-8 helpers checked against glibc's own UTF-8 codec (mbrtowc / wcrtomb in the
// C.UTF-8 locale), an independent implementation. glibc decodes surrogates and values
// past U+10FFFF that RFC 3629 forbids, so the reference below refuses those itself.
#include "util/utf8.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cwchar>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace hfserve {
namespace {

class Utf8Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::setlocale(LC_CTYPE, "C.UTF-8"), nullptr) << "glibc C.UTF-8 locale missing";
  }

  // glibc's decoding of the whole string, or nullopt when it is malformed (by glibc, or
  // by RFC 3629's ban on surrogates and code points past U+10FFFF).
  static std::optional<std::vector<char32_t>> glibc_decode(const std::string& text) {
    std::vector<char32_t> out;
    std::mbstate_t state{};
    std::size_t pos = 0;
    while (pos < text.size()) {
      wchar_t wc = 0;
      std::size_t n = std::mbrtowc(&wc, text.data() + pos, text.size() - pos, &state);
      if (n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2)) {
        return std::nullopt;
      }
      if (n == 0) n = 1;  // an embedded NUL
      if ((wc >= 0xD800 && wc <= 0xDFFF) || wc > 0x10FFFF) return std::nullopt;
      out.push_back(static_cast<char32_t>(wc));
      pos += n;
    }
    return out;
  }

  static std::string glibc_encode(char32_t cp) {
    char buf[MB_LEN_MAX];
    std::mbstate_t state{};
    std::size_t n = std::wcrtomb(buf, static_cast<wchar_t>(cp), &state);
    return n == static_cast<std::size_t>(-1) ? std::string() : std::string(buf, n);
  }

  static char32_t random_code_point(std::mt19937& rng) {
    switch (rng() % 4) {
      case 0:
        return rng() % 0x80;
      case 1:
        return 0x80 + rng() % (0x800 - 0x80);
      case 2:
        return 0x800 + rng() % (0x10000 - 0x800);
      default:
        return 0x10000 + rng() % (0x110000 - 0x10000);
    }
  }
};

TEST_F(Utf8Test, EncodeMatchesGlibcForEveryScalarValue) {
  for (char32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x3000 ? 1 : 97)) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    ASSERT_EQ(utf8::encode(cp), glibc_encode(cp)) << "U+" << std::hex << static_cast<unsigned>(cp);
  }
  EXPECT_EQ(utf8::encode(0xD800), glibc_encode(0xFFFD));
  EXPECT_EQ(utf8::encode(0x110000), glibc_encode(0xFFFD));
}

// Valid text built by glibc, then corrupted at random: validity and code points agree.
TEST_F(Utf8Test, DecodeAndValidityMatchGlibcOnMutatedText) {
  std::mt19937 rng(2024);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    int chars = rng() % 12;
    for (int i = 0; i < chars; ++i) {
      char32_t cp = random_code_point(rng);
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0x41;
      text += glibc_encode(cp);
    }
    if (round % 2 == 1 && !text.empty()) {
      std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = static_cast<char>(rng());
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, static_cast<char>(0x80 | (rng() & 0x7F)));
      }
    }
    std::optional<std::vector<char32_t>> expected = glibc_decode(text);
    ASSERT_EQ(utf8::is_valid(text), expected.has_value()) << "round " << round;
    if (!expected) continue;
    std::vector<char32_t> decoded;
    for (std::size_t pos = 0; pos < text.size();) decoded.push_back(utf8::decode(text, pos));
    ASSERT_EQ(decoded, *expected) << "round " << round;
    ASSERT_EQ(utf8::count_code_points(text), expected->size());
  }
}

TEST_F(Utf8Test, RefusesOverlongsSurrogatesAndOutOfRange) {
  for (const char* bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xF8\x88\x80\x80\x80", "\x80", "\xE2\x82"}) {
    EXPECT_FALSE(utf8::is_valid(bad));
  }
  EXPECT_TRUE(utf8::is_valid("\xEF\xBF\xBD"));  // a literal U+FFFD is fine
}

// Every prefix of valid text is cut back to the last character boundary glibc sees.
TEST_F(Utf8Test, CompletePrefixStopsAtTheLastWholeCharacter) {
  std::mt19937 rng(99);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    std::vector<std::size_t> boundaries{0};
    for (int i = 0; i < 6; ++i) {
      char32_t cp = random_code_point(rng);
      text += glibc_encode(cp >= 0xD800 && cp <= 0xDFFF ? 0x7A : cp);
      boundaries.push_back(text.size());
    }
    for (std::size_t k = 0; k <= text.size(); ++k) {
      std::size_t expected = 0;
      for (std::size_t b : boundaries) {
        if (b <= k) expected = b;
      }
      ASSERT_EQ(utf8::complete_prefix_length(std::string_view(text).substr(0, k)), expected);
    }
  }
  // Bytes that can never complete are emitted (they decode to U+FFFD anyway).
  EXPECT_EQ(utf8::complete_prefix_length("a\xFF"), 2u);
  EXPECT_EQ(utf8::complete_prefix_length("a\xE0\x41"), 3u);
}

}  // namespace
}  // namespace hfserve
