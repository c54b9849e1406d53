#include "util/base64.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace hfserve {
namespace {

// RFC 4648, section 10: the standard's own test vectors.
TEST(Base64Test, EncodesAndDecodesTheRfcVectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(encode_base64(plain), encoded);
    EXPECT_EQ(decode_base64(encoded, "test"), plain);
  }
}

TEST(Base64Test, RoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  EXPECT_EQ(decode_base64(encode_base64(bytes), "test"), bytes);
}

TEST(Base64Test, NamesWhereABadCharacterIs) {
  try {
    decode_base64("Zm9v!", "field");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.message(), "field: invalid base64 character at position 4");
  }
}

}  // namespace
}  // namespace hfserve
