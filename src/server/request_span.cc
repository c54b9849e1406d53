#include "server/request_span.h"

#include <nlohmann/json.hpp>

namespace hfserve::server {

RequestSpan::RequestSpan(telemetry::TaskHistory* history, bool capture, std::string endpoint,
                         const std::string& body)
    : history_(history), capture_(capture) {
  if (!history_) return;
  span_ = telemetry::start_span(telemetry::kTaskAiCompletion);
  span_.labels["endpoint"] = std::move(endpoint);
  if (capture_) span_.input = body;
}

RequestSpan::~RequestSpan() {
  if (history_) finish(500, 0, 0, "the request ended without a response");
}

void RequestSpan::set_model(const std::string& model) {
  if (history_) span_.labels["model"] = model;
}

void RequestSpan::set_request_id(const std::string& id) {
  if (history_) span_.labels["request_id"] = id;
}

void RequestSpan::add(const std::vector<pipelines::ChoiceDelta>& deltas) {
  if (!history_ || !capture_) return;
  for (const pipelines::ChoiceDelta& delta : deltas) {
    if (outputs_.size() <= delta.index) outputs_.resize(delta.index + 1);
    outputs_[delta.index] += delta.text;
  }
}

void RequestSpan::finish(int status, std::size_t prompt_tokens, std::size_t completion_tokens,
                         const std::string& error) {
  if (!history_) return;
  span_.end_time = telemetry::Span::Clock::now();
  span_.labels["status"] = std::to_string(status);
  span_.labels["prompt_tokens"] = prompt_tokens;
  span_.labels["completion_tokens"] = completion_tokens;
  if (!error.empty()) span_.error_message = error;
  if (capture_ && status < 400) {
    if (outputs_.size() <= 1) {
      span_.captured_output = outputs_.empty() ? "" : outputs_.front();
    } else {
      span_.captured_output =
          nlohmann::json(outputs_).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  history_->record(std::move(span_));
  history_ = nullptr;
}

}  // namespace hfserve::server
