#include "server/request_span.h"

#include <nlohmann/json.hpp>

#include "telemetry/request_log.h"

namespace hfserve::server {

RequestSpan::RequestSpan(const RequestRecording& recording, std::string endpoint,
                         const std::string& body)
    : recording_(recording), endpoint_(std::move(endpoint)) {
  if (recording_.in_flight) ++*recording_.in_flight;
  if (!recording_.history) return;
  span_ = telemetry::start_span(telemetry::kTaskAiCompletion);
  span_.labels["endpoint"] = endpoint_;
  if (recording_.capture) span_.input = body;
}

RequestSpan::~RequestSpan() {
  finish(500, 0, 0, "the request ended without a response");
  if (recording_.in_flight) --*recording_.in_flight;
}

void RequestSpan::set_model(const std::string& model) {
  model_ = model;
  if (recording_.history) span_.labels["model"] = model;
}

void RequestSpan::set_request_id(const std::string& id) {
  request_id_ = id;
  if (recording_.history) span_.labels["request_id"] = id;
}

void RequestSpan::add(const std::vector<pipelines::ChoiceDelta>& deltas) {
  if (!recording_.history || !recording_.capture) return;
  for (const pipelines::ChoiceDelta& delta : deltas) {
    if (outputs_.size() <= delta.index) outputs_.resize(delta.index + 1);
    outputs_[delta.index] += delta.text;
  }
}

void RequestSpan::finish(int status, std::size_t prompt_tokens, std::size_t completion_tokens,
                         const std::string& error) {
  if (finished_) return;
  finished_ = true;
  if (recording_.log) {
    telemetry::log_request(
        {request_id_, model_, endpoint_, status, prompt_tokens, completion_tokens,
         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
             .count(),
         error});
  }
  if (!recording_.history) return;
  span_.end_time = telemetry::Span::Clock::now();
  span_.labels["status"] = std::to_string(status);
  span_.labels["prompt_tokens"] = prompt_tokens;
  span_.labels["completion_tokens"] = completion_tokens;
  if (!error.empty()) span_.error_message = error;
  if (recording_.capture && status < 400) {
    if (outputs_.size() <= 1) {
      span_.captured_output = outputs_.empty() ? "" : outputs_.front();
    } else {
      span_.captured_output =
          nlohmann::json(outputs_).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  recording_.history->record(std::move(span_));
}

}  // namespace hfserve::server
