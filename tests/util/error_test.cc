#include "util/error.h"

#include <gtest/gtest.h>

namespace hfserve {
namespace {

// The code names are part of the API: error bodies and logs carry them, and they are the
// names DESIGN.md lists.
TEST(ErrorTest, CodeNamesAreTheDocumentedOnes) {
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(error_code_name(ErrorCode::kNotFound), "not_found");
  EXPECT_EQ(error_code_name(ErrorCode::kUnauthorized), "unauthorized");
  EXPECT_EQ(error_code_name(ErrorCode::kForbidden), "forbidden");
  EXPECT_EQ(error_code_name(ErrorCode::kUnsupported), "unsupported");
  EXPECT_EQ(error_code_name(ErrorCode::kResourceExhausted), "resource_exhausted");
  EXPECT_EQ(error_code_name(ErrorCode::kUnavailable), "unavailable");
  EXPECT_EQ(error_code_name(ErrorCode::kCancelled), "cancelled");
  EXPECT_EQ(error_code_name(ErrorCode::kInternal), "internal");
}

TEST(ErrorTest, CarriesCodeAndMessage) {
  try {
    throw Error(ErrorCode::kNotFound, "model 'x/y' is not in the cache");
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kNotFound);
    EXPECT_EQ(error.message(), "model 'x/y' is not in the cache");
    EXPECT_STREQ(error.what(), "not_found: model 'x/y' is not in the cache");
  }
}

TEST(ErrorDeathTest, CheckAbortsNamingTheCondition) {
  int answer = 41;
  EXPECT_DEATH(HFSERVE_CHECK(answer == 42), "answer == 42");
}

}  // namespace
}  // namespace hfserve
