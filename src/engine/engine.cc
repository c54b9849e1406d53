#include "engine/engine.h"

#include <algorithm>
#include <string>

#include "util/log.h"

namespace hfserve::engine {

struct Engine::Request {
  GenerationRequest spec;
  std::shared_ptr<RequestStream> stream;
  std::size_t first_choice = 0;  // the stream's number for this prompt's choice 0
  bool forked = false;           // the choices beyond the first exist
  bool admitted = false;         // counted out of queued_
};

struct Engine::Sequence {
  SequenceId id = 0;
  std::shared_ptr<Request> request;
  std::size_t choice = 0;
  std::vector<std::int32_t> tokens;  // prompt, then what was generated
  std::size_t prompt_len = 0;
  std::size_t computed = 0;  // leading tokens whose keys and values are in the cache
  std::mt19937_64 rng;
  bool finished = false;

  std::size_t output_len() const { return tokens.size() - prompt_len; }
  // This choice's number on the stream, which its request may share with other prompts.
  std::size_t stream_choice() const { return request->first_choice + choice; }
  const SamplingParams& params() const { return request->spec.sampling; }
};

std::size_t Engine::blocks_for_memory(const models::CausalLM& model, std::size_t bytes,
                                      std::size_t block_size) {
  return bytes / KvCache::block_bytes(model, block_size);
}

namespace {

EngineOptions resolved(EngineOptions options, const models::CausalLM& model) {
  if (options.max_model_len == 0) {
    options.max_model_len = static_cast<std::size_t>(model.config().max_position_embeddings);
  }
  HFSERVE_CHECK(options.block_size > 0 && options.max_num_seqs > 0 &&
                options.max_num_batched_tokens > 0);
  const std::size_t needed = (options.max_model_len + options.block_size - 1) / options.block_size;
  if (options.num_blocks < needed) {
    const std::size_t per_block = KvCache::block_bytes(model, options.block_size);
    throw Error(ErrorCode::kResourceExhausted,
                "the KV cache holds " + std::to_string(options.num_blocks * options.block_size) +
                    " tokens (" + std::to_string(options.num_blocks * per_block >> 20) +
                    " MiB), fewer than one sequence of max_model_len " +
                    std::to_string(options.max_model_len) + " needs (" +
                    std::to_string(needed * per_block >> 20) +
                    " MiB): raise --kv_cache_memory or --memory_utilization, or lower "
                    "--max_model_len");
  }
  return options;
}

}  // namespace

Engine::Engine(const models::CausalLM& model, std::vector<std::int32_t> eos_ids,
               EngineOptions options)
    : model_(model),
      eos_ids_(std::move(eos_ids)),
      options_(resolved(options, model)),
      pool_(options_.num_threads),
      blocks_(options_.num_blocks, options_.block_size, options_.prefix_caching),
      kv_(model, options_.num_blocks, options_.block_size) {
  stats_.num_blocks = options_.num_blocks;
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Engine::abort_all(const Error& error) {
  {
    std::lock_guard lock(mutex_);
    abort_ = error;
  }
  wake_.notify_one();
}

void Engine::check(const GenerationRequest& spec) const {
  if (spec.prompt.empty()) throw Error(ErrorCode::kInvalidArgument, "the prompt is empty");
  if (spec.n == 0) throw Error(ErrorCode::kInvalidArgument, "n must be >= 1");
  validate(spec.sampling, model_.vocab_size());
  for (std::int32_t token : spec.prompt) {
    if (token < 0 || static_cast<std::size_t>(token) >= model_.vocab_size()) {
      throw Error(ErrorCode::kInvalidArgument, "prompt token id " + std::to_string(token) +
                                                   " is outside the vocabulary [0, " +
                                                   std::to_string(model_.vocab_size()) + ")");
    }
  }
  const std::size_t total = spec.prompt.size() + spec.sampling.max_tokens;
  if (total > options_.max_model_len) {
    throw Error(ErrorCode::kInvalidArgument,
                "this model's maximum context length is " + std::to_string(options_.max_model_len) +
                    " tokens, but " + std::to_string(total) + " were requested (" +
                    std::to_string(spec.prompt.size()) + " in the prompt, " +
                    std::to_string(spec.sampling.max_tokens) +
                    " for the completion): shorten the prompt or lower max_tokens");
  }
}

std::shared_ptr<RequestStream> Engine::submit(GenerationRequest spec) {
  std::vector<GenerationRequest> one;
  one.push_back(std::move(spec));
  return submit(std::move(one));
}

std::shared_ptr<RequestStream> Engine::submit(std::vector<GenerationRequest> specs) {
  if (specs.empty()) throw Error(ErrorCode::kInvalidArgument, "no prompt to generate from");
  std::size_t choices = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    try {
      check(specs[i]);
    } catch (const Error& error) {
      if (specs.size() == 1) throw;
      throw Error(error.code(), "prompt " + std::to_string(i) + ": " + error.message());
    }
    choices += specs[i].n;
  }
  if (queued_.fetch_add(specs.size()) + specs.size() > options_.max_queue) {
    queued_ -= specs.size();
    throw Error(ErrorCode::kResourceExhausted, "the request queue is full (" +
                                                   std::to_string(options_.max_queue) +
                                                   " waiting): retry later");
  }
  auto stream = std::make_shared<RequestStream>(choices);
  std::vector<std::unique_ptr<Sequence>> sequences;
  std::size_t first_choice = 0;
  for (GenerationRequest& spec : specs) {
    auto request = std::make_shared<Request>();
    request->stream = stream;
    request->first_choice = first_choice;
    first_choice += spec.n;
    request->spec = std::move(spec);
    auto sequence = std::make_unique<Sequence>();
    sequence->request = request;
    sequence->tokens = request->spec.prompt;
    sequence->prompt_len = sequence->tokens.size();
    sequence->rng = make_rng(request->spec.sampling, 0);
    sequences.push_back(std::move(sequence));
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& sequence : sequences) inbox_.push_back(std::move(sequence));
  }
  wake_.notify_one();
  return stream;
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Engine::wait_until_idle() const {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return stats_.running == 0 && stats_.waiting == 0 && inbox_.empty(); });
}

void Engine::loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] {
        return stopping_ || abort_ || !inbox_.empty() || !running_.empty() || !waiting_.empty();
      });
      if (stopping_) break;
      if (abort_) {
        const Error error = *abort_;
        abort_.reset();
        lock.unlock();
        take_new_requests();
        fail_everything(error);
        publish_stats();
        continue;
      }
    }
    try {
      step();
    } catch (const Error& error) {
      log::error("engine step failed: {}", error.what());
      fail_everything(error);
    } catch (const std::exception& error) {
      log::error("engine step failed: {}", error.what());
      fail_everything(Error(ErrorCode::kInternal, error.what()));
    }
    publish_stats();
  }
  take_new_requests();
  fail_everything(Error(ErrorCode::kUnavailable, "the server is shutting down"));
}

void Engine::step() {
  take_new_requests();
  drop_cancelled();
  std::vector<ScheduledChunk> chunks = schedule();
  if (!chunks.empty()) run(chunks);
  remove_finished();
}

void Engine::take_new_requests() {
  std::vector<std::unique_ptr<Sequence>> arrived;
  {
    std::lock_guard lock(mutex_);
    arrived.swap(inbox_);
    // Still counted until the step publishes, so wait_until_idle() cannot miss them.
    stats_.waiting += arrived.size();
  }
  for (auto& sequence : arrived) {
    sequence->id = next_sequence_id_++;
    waiting_.push_back(std::move(sequence));
  }
}

void Engine::finish(Sequence& sequence, FinishReason reason, std::optional<SampledToken> token) {
  sequence.finished = true;
  blocks_.free(sequence.id);
  Request& request = *sequence.request;
  if (!request.admitted) {
    request.admitted = true;
    --queued_;
  }
  request.stream->push({sequence.stream_choice(), std::move(token), reason});
  // Choices not forked yet end with their parent.
  if (!request.forked) {
    request.forked = true;
    for (std::size_t c = 1; c < request.spec.n; ++c) {
      request.stream->push({request.first_choice + c, {}, reason});
    }
  }
}

void Engine::drop_cancelled() {
  auto drop = [&](auto& sequences) {
    for (auto& sequence : sequences) {
      RequestStream& stream = *sequence->request->stream;
      if (stream.cancelled() || stream.choice_stopped(sequence->stream_choice())) {
        finish(*sequence, FinishReason::kCancelled);
      }
    }
  };
  drop(running_);
  drop(waiting_);
  remove_finished();
}

void Engine::remove_finished() {
  auto finished = [](const std::unique_ptr<Sequence>& s) { return s->finished; };
  running_.erase(std::remove_if(running_.begin(), running_.end(), finished), running_.end());
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(), finished), waiting_.end());
}

void Engine::preempt(std::size_t index) {
  std::unique_ptr<Sequence> victim = std::move(running_[index]);
  running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(index));
  blocks_.free(victim->id);
  victim->computed = 0;
  ++preemptions_;
  waiting_.push_front(std::move(victim));
}

std::vector<Engine::ScheduledChunk> Engine::schedule() {
  std::vector<ScheduledChunk> chunks;
  std::size_t budget = options_.max_num_batched_tokens;
  copies_.clear();

  // Running sequences first, oldest first: their next decode token or prompt chunk.
  for (std::size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence& sequence = *running_[i];
    const std::size_t held = blocks_.num_tokens(sequence.id);
    bool preempted_self = false;
    std::span<const std::int32_t> fresh(sequence.tokens.data() + held,
                                        sequence.tokens.size() - held);
    while (!blocks_.append(sequence.id, fresh, copies_)) {
      // Out of blocks: the newest running sequence makes room, possibly this one.
      const std::size_t victim = running_.size() - 1;
      preempted_self = victim == i;
      preempt(victim);
      if (preempted_self) break;
    }
    if (preempted_self) break;
    const std::size_t n = std::min(sequence.tokens.size() - sequence.computed, budget);
    chunks.push_back({&sequence, n});
    budget -= n;
    ++i;
  }

  // Then waiting requests, in order, while they fit.
  while (!waiting_.empty() && budget > 0 && running_.size() < options_.max_num_seqs) {
    Sequence& sequence = *waiting_.front();
    std::optional<std::size_t> cached = blocks_.allocate(sequence.id, sequence.tokens);
    if (!cached) {
      if (running_.empty()) {
        // Cannot happen with the startup check (one max_model_len sequence fits an empty
        // cache), but never spin on a request that can never run.
        finish(sequence, FinishReason::kLength);
        waiting_.pop_front();
        continue;
      }
      break;
    }
    sequence.computed = *cached;
    Request& request = *sequence.request;
    if (!request.admitted) {
      request.admitted = true;
      --queued_;
      request.stream->add_cached_prompt_tokens(*cached);
      request.stream->mark_admitted();
    }
    const std::size_t n = std::min(sequence.tokens.size() - sequence.computed, budget);
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
    chunks.push_back({running_.back().get(), n});
    budget -= n;
  }
  return chunks;
}

void Engine::run(const std::vector<ScheduledChunk>& chunks) {
  for (const BlockCopy& copy : copies_) kv_.copy(copy);

  std::vector<std::int32_t> tokens;
  std::vector<models::SequenceChunk> sequences;
  std::vector<Sequence*> wanting_logits;
  std::size_t prompt_tokens = 0;
  for (const ScheduledChunk& chunk : chunks) {
    Sequence& s = *chunk.sequence;
    const bool last = s.computed + chunk.n_tokens == s.tokens.size();
    sequences.push_back(
        {tokens.size(), chunk.n_tokens, s.computed, blocks_.block_table(s.id).data(), last});
    tokens.insert(tokens.end(), s.tokens.begin() + static_cast<std::ptrdiff_t>(s.computed),
                  s.tokens.begin() + static_cast<std::ptrdiff_t>(s.computed + chunk.n_tokens));
    if (s.computed < s.prompt_len)
      prompt_tokens += std::min(chunk.n_tokens, s.prompt_len - s.computed);
    if (last) wanting_logits.push_back(&s);
  }
  model_.forward({tokens, sequences}, kv_.view(), pool_, logits_);

  for (const ScheduledChunk& chunk : chunks) {
    chunk.sequence->computed += chunk.n_tokens;
    blocks_.commit_computed(chunk.sequence->id, chunk.sequence->computed);
  }
  const std::size_t vocab = model_.vocab_size();
  for (std::size_t i = 0; i < wanting_logits.size(); ++i) {
    on_logits(*wanting_logits[i], std::span<float>(logits_.data() + i * vocab, vocab));
  }
  prompt_tokens_ += prompt_tokens;
}

void Engine::on_logits(Sequence& sequence, std::span<float> logits) {
  Request& request = *sequence.request;
  if (sequence.finished) return;
  if (request.forked) {
    SampledToken token =
        sample(logits, sequence.params(),
               {std::span(sequence.tokens).first(sequence.prompt_len),
                std::span(sequence.tokens).subspan(sequence.prompt_len), eos_ids_, &sequence.rng});
    emit(sequence, token);
    return;
  }
  // The first token of a request: every choice draws it from the same prompt logits, and
  // the choices beyond the first share the prompt's blocks from here on.
  request.forked = true;
  const std::vector<float> prompt_logits(logits.begin(), logits.end());
  std::vector<Sequence*> choices = {&sequence};
  for (std::size_t c = 1; c < request.spec.n; ++c) {
    auto child = std::make_unique<Sequence>();
    child->id = next_sequence_id_++;
    child->request = sequence.request;
    child->choice = c;
    child->tokens = sequence.tokens;
    child->prompt_len = sequence.prompt_len;
    child->computed = sequence.computed;
    child->rng = make_rng(sequence.params(), c);
    blocks_.fork(sequence.id, child->id);
    choices.push_back(child.get());
    running_.push_back(std::move(child));
  }
  for (Sequence* choice : choices) {
    std::vector<float> row = prompt_logits;
    SampledToken token =
        sample(row, choice->params(),
               {std::span(choice->tokens).first(choice->prompt_len), {}, eos_ids_, &choice->rng});
    emit(*choice, token);
  }
}

void Engine::emit(Sequence& sequence, const SampledToken& token) {
  const SamplingParams& params = sequence.params();
  sequence.tokens.push_back(token.token);
  ++generated_tokens_;
  auto contains = [&](const std::vector<std::int32_t>& ids) {
    return std::find(ids.begin(), ids.end(), token.token) != ids.end();
  };
  if ((!params.ignore_eos && contains(eos_ids_)) || contains(params.stop_token_ids)) {
    finish(sequence, FinishReason::kStop, token);
  } else if (sequence.output_len() >= params.max_tokens ||
             sequence.tokens.size() >= options_.max_model_len) {
    finish(sequence, FinishReason::kLength, token);
  } else {
    sequence.request->stream->push({sequence.stream_choice(), token, std::nullopt});
  }
}

void Engine::fail_everything(const Error& error) {
  auto fail = [&](auto& sequences) {
    for (auto& sequence : sequences) {
      blocks_.free(sequence->id);
      if (!sequence->request->admitted) {
        sequence->request->admitted = true;
        --queued_;
      }
      sequence->request->stream->fail(error);
    }
    sequences.clear();
  };
  fail(running_);
  fail(waiting_);
}

void Engine::publish_stats() {
  std::lock_guard lock(mutex_);
  stats_.running = running_.size();
  stats_.waiting = waiting_.size() + inbox_.size();
  stats_.kv_usage = blocks_.usage();
  stats_.prefix_queries = blocks_.prefix_queries();
  stats_.prefix_hits = blocks_.prefix_hits();
  stats_.prompt_tokens = prompt_tokens_;
  stats_.generated_tokens = generated_tokens_;
  stats_.preemptions = preemptions_;
  if (stats_.running == 0 && stats_.waiting == 0) idle_.notify_all();
}

}  // namespace hfserve::engine
