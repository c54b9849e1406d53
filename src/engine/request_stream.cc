#include "engine/request_stream.h"

namespace hfserve::engine {

RequestStream::RequestStream(std::size_t num_choices)
    : stopped_(num_choices), open_choices_(num_choices) {}

bool RequestStream::next(std::vector<StreamEvent>& out) {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return !events_.empty() || open_choices_ == 0 || error_; });
  if (events_.empty()) return false;
  out.insert(out.end(), events_.begin(), events_.end());
  events_.clear();
  return true;
}

std::optional<Error> RequestStream::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void RequestStream::stop_choice(std::size_t choice) {
  std::lock_guard lock(mutex_);
  if (choice < stopped_.size()) stopped_[choice] = true;
}

bool RequestStream::choice_stopped(std::size_t choice) const {
  std::lock_guard lock(mutex_);
  return stopped_[choice];
}

void RequestStream::push(StreamEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (event.finish && open_choices_ > 0) --open_choices_;
    events_.push_back(std::move(event));
  }
  ready_.notify_one();
}

void RequestStream::fail(Error error) {
  {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
  }
  ready_.notify_one();
}

std::optional<double> RequestStream::queue_seconds() const {
  std::lock_guard lock(mutex_);
  return queue_seconds_;
}

void RequestStream::mark_admitted() {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (!queue_seconds_) queue_seconds_ = std::chrono::duration<double>(now - submitted_).count();
}

}  // namespace hfserve::engine
