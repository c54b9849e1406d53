// RequestSpan: the record of one inference request, written once when it ends, whichever
// way it ends: its task-history row (an `ai_completion` span, docs/task-history.md: model,
// endpoint, request id, prompt and completion tokens, HTTP status, error, and, when
// capture is on, the request body as `input` and the generated text as
// `captured_output` — one choice: its text; several: a JSON array of their texts) and its
// request log line (telemetry/request_log.h). While it exists the request counts as in
// flight (a shutdown waits for those).
// Not thread-safe: one per request, used by the thread serving it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "pipelines/text_generation.h"
#include "telemetry/span.h"
#include "telemetry/task_history.h"

namespace hfserve::server {

struct RequestRecording {
  telemetry::TaskHistory* history = nullptr;      // null: no task history
  bool capture = true;                            // bodies and text in the span
  bool log = true;                                // the request log line
  std::atomic<std::size_t>* in_flight = nullptr;  // counts live RequestSpans when set
};

class RequestSpan {
 public:
  RequestSpan(const RequestRecording& recording, std::string endpoint, const std::string& body);
  ~RequestSpan();  // records (status 500) if finish() was not called
  RequestSpan(const RequestSpan&) = delete;
  RequestSpan& operator=(const RequestSpan&) = delete;

  void set_model(const std::string& model);
  void set_request_id(const std::string& id);
  // Generated text, appended per choice.
  void add(const std::vector<pipelines::ChoiceDelta>& deltas);
  // Records the span and the log line with the HTTP status sent and, for a failure, the
  // error message. The first call records; later ones do nothing.
  void finish(int status, std::size_t prompt_tokens, std::size_t completion_tokens,
              const std::string& error = "");

 private:
  RequestRecording recording_;
  bool finished_ = false;
  std::string endpoint_, model_, request_id_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  telemetry::Span span_;
  std::vector<std::string> outputs_;
};

}  // namespace hfserve::server
