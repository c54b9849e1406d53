// RequestStream: the queue between the engine's scheduler thread and whoever waits for
// one request's results (a pipeline, on an HTTP worker thread). The engine pushes each
// sampled token and each choice's end; the consumer takes them in order, and may cancel
// the whole request (client gone) or stop one choice (a stop string matched). A failed
// request ends with its Error here: exceptions never cross the queue.
//
// Thread-safe: one producer (the engine) and one consumer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/sampler.h"
#include "util/error.h"

namespace hfserve::engine {

enum class FinishReason {
  kStop,       // an EOS or stop token (the token is reported, marked as the stop)
  kLength,     // max_tokens or the model's context length
  kCancelled,  // cancel() or stop_choice()
};

struct StreamEvent {
  std::size_t choice = 0;
  std::optional<SampledToken> token;
  std::optional<FinishReason> finish;  // this choice has ended (after `token`, if any)
};

class RequestStream {
 public:
  explicit RequestStream(std::size_t num_choices);

  // Consumer: waits for events and appends them to `out`. Returns false once the request
  // has ended and every event was taken; then error() says whether it failed.
  bool next(std::vector<StreamEvent>& out);
  std::optional<Error> error() const;
  void cancel() { cancelled_ = true; }
  void stop_choice(std::size_t choice);
  // Prompt tokens found in the prefix cache, over all its prompts (known once the request
  // was scheduled).
  std::size_t cached_prompt_tokens() const { return cached_prompt_tokens_; }
  // Seconds from submission to the first forward pass (the queue time vLLM reports);
  // nullopt until the request is admitted.
  std::optional<double> queue_seconds() const;

  // Engine side.
  bool cancelled() const { return cancelled_; }
  bool choice_stopped(std::size_t choice) const;
  void push(StreamEvent event);
  void fail(Error error);
  void add_cached_prompt_tokens(std::size_t n) { cached_prompt_tokens_ += n; }
  // The request got its first forward pass.
  void mark_admitted();

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<StreamEvent> events_;
  std::vector<bool> stopped_;
  std::size_t open_choices_;
  std::optional<Error> error_;
  std::atomic<bool> cancelled_{false};
  std::atomic<std::size_t> cached_prompt_tokens_{0};
  const std::chrono::steady_clock::time_point submitted_ = std::chrono::steady_clock::now();
  std::optional<double> queue_seconds_;  // guarded by mutex_
};

}  // namespace hfserve::engine
