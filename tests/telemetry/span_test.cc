#include "telemetry/span.h"

#include <gtest/gtest.h>

#include <set>

#include "util/error.h"

namespace hfserve::telemetry {
namespace {

// 1700000000 s after the epoch is 2023-11-14 22:13:20 UTC (`date -u -d @1700000000`).
TEST(SpanTest, FormatsUtcWithMicroseconds) {
  Span::Clock::time_point t{std::chrono::seconds(1700000000) + std::chrono::microseconds(42)};
  EXPECT_EQ(format_utc(t), "2023-11-14T22:13:20.000042Z");
  EXPECT_EQ(parse_utc("2023-11-14T22:13:20.000042Z"), t);
}

TEST(SpanTest, ParseRefusesOtherShapes) {
  for (const char* bad : {"", "2023-11-14 22:13:20", "2023-11-14T22:13:20.000042",
                          "2023-11-14T22:13:20.000042Zjunk"}) {
    EXPECT_THROW(parse_utc(bad), Error) << bad;
  }
}

TEST(SpanTest, IdsAreW3cShapedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string trace = new_trace_id();
    std::string span = new_span_id();
    ASSERT_EQ(trace.size(), 32u);
    ASSERT_EQ(span.size(), 16u);
    ASSERT_EQ(trace.find_first_not_of("0123456789abcdef"), std::string::npos);
    ASSERT_TRUE(seen.insert(span).second);
  }
}

}  // namespace
}  // namespace hfserve::telemetry
