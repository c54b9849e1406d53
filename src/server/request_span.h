// RequestSpan: the task-history row (an `ai_completion` span, docs/task-history.md) of one
// OpenAI request: model, endpoint, request id, prompt and completion tokens, HTTP status,
// error, and, when capture is on, the request body as `input` and the generated text as
// `captured_output` (one choice: its text; several: a JSON array of their texts). Built
// while the request runs and recorded once, when it ends, whichever way it ends.
// Not thread-safe: one per request, used by the thread serving it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pipelines/text_generation.h"
#include "telemetry/span.h"
#include "telemetry/task_history.h"

namespace hfserve::server {

class RequestSpan {
 public:
  // `history` may be null (no task history): then nothing is kept or recorded.
  RequestSpan(telemetry::TaskHistory* history, bool capture, std::string endpoint,
              const std::string& body);
  ~RequestSpan();  // records the span if finish() was not called (status 500)
  RequestSpan(const RequestSpan&) = delete;
  RequestSpan& operator=(const RequestSpan&) = delete;

  void set_model(const std::string& model);
  void set_request_id(const std::string& id);
  // Generated text, appended per choice.
  void add(const std::vector<pipelines::ChoiceDelta>& deltas);
  // Records the span with the HTTP status sent and, for a failure, the error message.
  // The first call records; later ones do nothing.
  void finish(int status, std::size_t prompt_tokens, std::size_t completion_tokens,
              const std::string& error = "");

 private:
  telemetry::TaskHistory* history_;
  bool capture_;
  telemetry::Span span_;
  std::vector<std::string> outputs_;
};

}  // namespace hfserve::server
