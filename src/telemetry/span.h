// Span: one row of the task history, what happened in one unit of work (a completion, a
// health probe, a model load), in the shape of Spice's `task_history` table so that the
// queries operators already have keep working.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace hfserve::telemetry {

// The `task` values hfserve writes.
inline constexpr const char* kTaskAiCompletion = "ai_completion";
inline constexpr const char* kTaskHealth = "health";
inline constexpr const char* kTaskModelLoad = "model_load";

struct Span {
  using Clock = std::chrono::system_clock;

  std::string trace_id;        // 32 lowercase hex digits (W3C trace context)
  std::string span_id;         // 16 lowercase hex digits
  std::string parent_span_id;  // empty for a root span
  std::string task;            // kTaskAiCompletion, kTaskHealth, kTaskModelLoad, ...
  std::string input;           // the request as captured ("" when capture is off)
  std::optional<std::string> captured_output;
  Clock::time_point start_time;
  Clock::time_point end_time;
  std::optional<std::string> error_message;
  nlohmann::json labels = nlohmann::json::object();  // model, tokens, status, request id

  double execution_duration_ms() const {
    return std::chrono::duration<double, std::milli>(end_time - start_time).count();
  }
};

// Fresh random ids for a new trace or span.
std::string new_trace_id();
std::string new_span_id();

// A new root span of `task`: fresh trace and span ids, start_time now.
Span start_span(std::string task);

// "2026-11-22T17:53:17.123456Z": how times are stored (sortable as text; SQLite's date
// functions read it).
std::string format_utc(Span::Clock::time_point time);
// The inverse of format_utc; throws Error(kInvalidArgument) for any other text.
Span::Clock::time_point parse_utc(const std::string& text);

}  // namespace hfserve::telemetry
