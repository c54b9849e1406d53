#include "tokenizer/byte_level.h"

#include <array>

#include "util/utf8.h"

namespace hfserve::tokenizer::byte_level {
namespace {

struct Tables {
  std::array<char32_t, 256> to_char{};
  std::array<std::string, 256> to_utf8{};
  std::array<int, 256 + 68> from_char{};  // -1 where no byte maps
  Tables() {
    from_char.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      to_char[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
      to_utf8[static_cast<std::size_t>(b)] = utf8::encode(to_char[static_cast<std::size_t>(b)]);
      from_char[to_char[static_cast<std::size_t>(b)]] = b;
    }
  }
};

const Tables& tables() {
  static const Tables kTables;
  return kTables;
}

}  // namespace

char32_t byte_to_char(std::uint8_t byte) { return tables().to_char[byte]; }

std::optional<std::uint8_t> char_to_byte(char32_t cp) {
  if (cp >= tables().from_char.size() || tables().from_char[cp] < 0) return std::nullopt;
  return static_cast<std::uint8_t>(tables().from_char[cp]);
}

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += tables().to_utf8[static_cast<unsigned char>(c)];
  return out;
}

}  // namespace hfserve::tokenizer::byte_level
