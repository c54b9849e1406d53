#include "engine/encoder_runner.h"

#include <algorithm>
#include <exception>
#include <string>

#include "util/error.h"
#include "util/log.h"

namespace hfserve::engine {

EncoderRunner::EncoderRunner(const models::EncoderModel& model, EncoderRunnerOptions options)
    : model_(model), options_(options), pool_(options.num_threads) {
  options_.max_batch_tokens = std::max<std::size_t>(1, options_.max_batch_tokens);
  thread_ = std::thread([this] { loop(); });
}

EncoderRunner::~EncoderRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  for (const std::shared_ptr<Job>& job : queue_) {
    job->promise.set_exception(std::make_exception_ptr(
        Error(ErrorCode::kUnavailable, "the model was unloaded before the request ran")));
  }
}

std::future<std::vector<EncoderResult>> EncoderRunner::submit(std::vector<EncoderInput> inputs) {
  const formats::ModelConfig& config = model_.config();
  // Checked here, not in the pass: one bad input must not fail the requests batched with it.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const EncoderInput& input = inputs[i];
    const std::string which = inputs.size() > 1 ? "input " + std::to_string(i) : "the input";
    if (input.tokens.empty()) {
      throw Error(ErrorCode::kInvalidArgument, which + " has no tokens");
    }
    if (input.tokens.size() > model_.max_tokens()) {
      throw Error(ErrorCode::kInvalidArgument,
                  which + " has " + std::to_string(input.tokens.size()) +
                      " tokens; the model takes at most " + std::to_string(model_.max_tokens()));
    }
    for (std::int32_t id : input.tokens) {
      if (id < 0 || id >= config.vocab_size) {
        throw Error(ErrorCode::kInvalidArgument, which + " holds token id " + std::to_string(id) +
                                                     ", outside the vocabulary of " +
                                                     std::to_string(config.vocab_size));
      }
    }
    if (!input.token_types.empty()) {
      if (input.token_types.size() != input.tokens.size()) {
        throw Error(ErrorCode::kInvalidArgument,
                    which + " has " + std::to_string(input.token_types.size()) +
                        " token types for " + std::to_string(input.tokens.size()) + " tokens");
      }
      const std::int64_t types = std::max<std::int64_t>(1, config.type_vocab_size);
      for (std::int32_t type : input.token_types) {
        if (type < 0 || type >= types) {
          throw Error(ErrorCode::kInvalidArgument, which + " holds token type " +
                                                       std::to_string(type) + "; the model has " +
                                                       std::to_string(types));
        }
      }
    }
    for (std::size_t at : input.lm_tokens) {
      if (at >= input.tokens.size()) {
        throw Error(ErrorCode::kInvalidArgument,
                    which + " asks for the logits of position " + std::to_string(at) +
                        " past its " + std::to_string(input.tokens.size()) + " tokens");
      }
    }
  }
  auto job = std::make_shared<Job>();
  job->inputs = std::move(inputs);
  job->results.resize(job->inputs.size());
  std::future<std::vector<EncoderResult>> future = job->promise.get_future();
  if (job->inputs.empty()) {
    job->promise.set_value({});
    return future;
  }
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queue) {
      throw Error(ErrorCode::kResourceExhausted,
                  std::to_string(queue_.size()) + " requests are already waiting; retry shortly");
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return future;
}

EncoderRunnerStats EncoderRunner::stats() const {
  std::lock_guard lock(mutex_);
  EncoderRunnerStats stats = totals_;
  stats.running = running_;
  stats.waiting = 0;
  for (const std::shared_ptr<Job>& job : queue_) stats.waiting += job->next == 0 ? 1 : 0;
  return stats;
}

void EncoderRunner::loop() {
  for (;;) {
    std::vector<Slice> slices;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      // Whole sequences in arrival order while they fit; the first always goes in.
      std::size_t tokens = 0;
      while (!queue_.empty()) {
        const std::shared_ptr<Job>& job = queue_.front();
        const std::size_t n = job->inputs[job->next].tokens.size();
        if (!slices.empty() && tokens + n > options_.max_batch_tokens) break;
        tokens += n;
        slices.push_back({job, job->next});
        if (++job->next == job->inputs.size()) queue_.pop_front();
      }
      std::vector<const Job*> jobs;
      for (const Slice& s : slices) {
        if (jobs.empty() || jobs.back() != s.job.get()) jobs.push_back(s.job.get());
      }
      running_ = jobs.size();
    }
    run(slices);
    std::lock_guard lock(mutex_);
    running_ = 0;
  }
}

void EncoderRunner::run(const std::vector<Slice>& slices) {
  std::vector<std::int32_t> tokens, types;
  std::vector<models::EncoderSequence> sequences;
  std::vector<std::size_t> lm_tokens;
  bool any_types = false;
  for (const Slice& s : slices) any_types |= !s.job->inputs[s.input].token_types.empty();
  for (const Slice& s : slices) {
    const EncoderInput& input = s.job->inputs[s.input];
    sequences.push_back({tokens.size(), input.tokens.size()});
    for (std::size_t at : input.lm_tokens) lm_tokens.push_back(tokens.size() + at);
    tokens.insert(tokens.end(), input.tokens.begin(), input.tokens.end());
    if (any_types) {
      if (input.token_types.empty()) {
        types.resize(tokens.size(), 0);
      } else {
        types.insert(types.end(), input.token_types.begin(), input.token_types.end());
      }
    }
  }
  models::EncoderBatch batch;
  batch.tokens = tokens;
  batch.token_types = types;
  batch.sequences = sequences;
  batch.lm_tokens = lm_tokens;
  models::EncoderOutput out;
  try {
    model_.forward(batch, pool_, out);
  } catch (...) {
    // submit() checked everything forward() checks, so this is a bug; the requests in
    // the pass fail with it rather than the process.
    const std::exception_ptr error = std::current_exception();
    log::error("encoder forward pass failed for {} sequences", slices.size());
    std::lock_guard lock(mutex_);
    for (const Slice& s : slices) {
      if (s.job->finished == s.job->inputs.size()) continue;
      s.job->finished = s.job->inputs.size();
      std::erase(queue_, s.job);
      s.job->promise.set_exception(error);
    }
    return;
  }

  const std::size_t hidden = model_.hidden_size();
  const std::size_t labels = model_.num_labels();
  const std::size_t vocab = static_cast<std::size_t>(model_.config().vocab_size);
  std::size_t lm_row = 0;
  for (std::size_t i = 0; i < slices.size(); ++i) {
    const Slice& s = slices[i];
    const models::EncoderSequence& seq = sequences[i];
    EncoderResult& result = s.job->results[s.input];
    const float* h = out.hidden.data() + seq.first_token * hidden;
    result.hidden.assign(h, h + seq.n_tokens * hidden);
    switch (model_.head()) {
      case models::EncoderHead::kNone:
        break;
      case models::EncoderHead::kSequenceClassification:
        result.logits.assign(out.logits.begin() + i * labels,
                             out.logits.begin() + (i + 1) * labels);
        break;
      case models::EncoderHead::kTokenClassification:
        result.logits.assign(out.logits.begin() + seq.first_token * labels,
                             out.logits.begin() + (seq.first_token + seq.n_tokens) * labels);
        break;
      case models::EncoderHead::kMaskedLm: {
        const std::size_t rows = s.job->inputs[s.input].lm_tokens.size();
        result.logits.assign(out.logits.begin() + lm_row * vocab,
                             out.logits.begin() + (lm_row + rows) * vocab);
        lm_row += rows;
        break;
      }
    }
  }
  std::lock_guard lock(mutex_);
  ++totals_.batches;
  for (const Slice& s : slices) {
    ++totals_.sequences;
    totals_.tokens += s.job->inputs[s.input].tokens.size();
    if (++s.job->finished == s.job->inputs.size()) {
      s.job->promise.set_value(std::move(s.job->results));
    }
  }
}

}  // namespace hfserve::engine
