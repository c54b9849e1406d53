#include "telemetry/span.h"

#include <cstdio>
#include <ctime>
#include <random>
#include <utility>

#include "util/error.h"

namespace hfserve::telemetry {
namespace {

std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = rng();
    out[i] = kHex[bits & 0xF];
    bits >>= 4;
  }
  return out;
}

}  // namespace

std::string new_trace_id() { return random_hex(32); }
std::string new_span_id() { return random_hex(16); }

std::string format_utc(Span::Clock::time_point time) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch());
  auto seconds = std::chrono::floor<std::chrono::seconds>(micros);
  std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>((micros - seconds).count()));
  return buffer;
}

Span start_span(std::string task) {
  Span span;
  span.trace_id = new_trace_id();
  span.span_id = new_span_id();
  span.task = std::move(task);
  span.start_time = Span::Clock::now();
  return span;
}

Span::Clock::time_point parse_utc(const std::string& text) {
  std::tm tm{};
  long long micros = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6lldZ%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micros, &consumed) != 7 ||
      static_cast<std::size_t>(consumed) != text.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "'" + text + "' is not a UTC time like 2026-11-22T17:53:17.123456Z");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t seconds = timegm(&tm);
  return Span::Clock::time_point(std::chrono::seconds(seconds) + std::chrono::microseconds(micros));
}

}  // namespace hfserve::telemetry
