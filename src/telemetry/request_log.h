// The request log: one line per inference request when it ends, whichever way it ends
// (request id, model, endpoint, HTTP status, tokens, latency, and the error if any), in
// the log format the process uses (util/log.h: text, or JSON with --log_format json).
// Request bodies and generated text never go into it; tokens and API keys are never
// logged anywhere. Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace hfserve::telemetry {

struct RequestLogEntry {
  std::string request_id;
  std::string model;
  std::string endpoint;  // "chat", "completions", "embeddings", "rerank", "kserve_v1", ...
  int status = 0;        // the HTTP status sent (499: the client went away mid-stream)
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;
  double latency_ms = 0;  // from the request's arrival to its last byte
  std::string error;      // empty on success
};

void log_request(const RequestLogEntry& entry);

}  // namespace hfserve::telemetry
