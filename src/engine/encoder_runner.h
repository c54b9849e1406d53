// EncoderRunner: runs one encoder model for many requests at once. Concurrent requests'
// sequences are packed into one flat batch (no padding) of up to max_batch_tokens tokens
// per forward pass, in arrival order, by one scheduler thread that owns the model's
// passes; each sequence's results are exactly those it would get alone (attention never
// crosses sequences). A request of many inputs (a client's batch of 1000 texts) is split
// over as many passes as it needs, and finishes when its last sequence has run.
//
// submit() and stats() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "models/encoder.h"
#include "util/thread_pool.h"

namespace hfserve::engine {

struct EncoderRunnerOptions {
  std::size_t max_batch_tokens = 16384;  // tokens per forward pass (one longer sequence runs alone)
  std::size_t max_queue = 1024;          // requests waiting; more are refused
  std::size_t num_threads = 0;           // forward-pass threads; 0: one per hardware thread
};

struct EncoderInput {
  std::vector<std::int32_t> tokens;       // 1 ..= model.max_tokens() ids
  std::vector<std::int32_t> token_types;  // empty, or one per token
  std::vector<std::size_t> lm_tokens;     // masked-LM head: positions in `tokens` to score
};

// One input's results, shaped as EncoderOutput for a batch of that input alone.
struct EncoderResult {
  std::vector<float> hidden;  // [tokens, hidden_size]
  std::vector<float> logits;  // [num_labels], [tokens, num_labels] or [lm_tokens, vocab_size]
};

struct EncoderRunnerStats {
  std::size_t running = 0;      // requests with a sequence in the current pass
  std::size_t waiting = 0;      // requests not started
  std::uint64_t sequences = 0;  // computed, over the lifetime
  std::uint64_t tokens = 0;
  std::uint64_t batches = 0;
};

class EncoderRunner {
 public:
  // `model` must outlive the runner.
  EncoderRunner(const models::EncoderModel& model, EncoderRunnerOptions options);
  ~EncoderRunner();  // stops the scheduler; requests still open fail with Error(kUnavailable)
  EncoderRunner(const EncoderRunner&) = delete;
  EncoderRunner& operator=(const EncoderRunner&) = delete;

  // Queues the inputs; the future holds one result per input, in order, or the Error
  // that failed them. Throws Error: kInvalidArgument for an empty input, one longer than
  // the model takes or with token_types of another length (naming its index),
  // kResourceExhausted when max_queue requests already wait.
  std::future<std::vector<EncoderResult>> submit(std::vector<EncoderInput> inputs);

  const models::EncoderModel& model() const { return model_; }
  EncoderRunnerStats stats() const;

 private:
  struct Job {
    std::vector<EncoderInput> inputs;
    std::vector<EncoderResult> results;
    std::size_t next = 0;      // first input not yet scheduled
    std::size_t finished = 0;  // inputs computed
    std::promise<std::vector<EncoderResult>> promise;
  };
  struct Slice {  // one input of one job in the current pass
    std::shared_ptr<Job> job;
    std::size_t input = 0;
  };

  void loop();
  void run(const std::vector<Slice>& slices);

  const models::EncoderModel& model_;
  EncoderRunnerOptions options_;
  ThreadPool pool_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;  // the front job may be partly scheduled
  std::size_t running_ = 0;
  EncoderRunnerStats totals_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hfserve::engine
