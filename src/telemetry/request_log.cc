#include "telemetry/request_log.h"

#include "util/log.h"

namespace hfserve::telemetry {

void log_request(const RequestLogEntry& e) {
  std::vector<log::Field> fields = {
      {"request_id", e.request_id},
      {"model", e.model},
      {"endpoint", e.endpoint},
      {"status", static_cast<std::int64_t>(e.status)},
      {"prompt_tokens", static_cast<std::int64_t>(e.prompt_tokens)},
      {"completion_tokens", static_cast<std::int64_t>(e.completion_tokens)},
      {"latency_ms", static_cast<double>(static_cast<std::int64_t>(e.latency_ms * 10)) / 10},
  };
  if (!e.error.empty()) fields.push_back({"error", e.error});
  log::record(e.status >= 500 ? spdlog::level::warn : spdlog::level::info, "request", fields);
}

}  // namespace hfserve::telemetry
