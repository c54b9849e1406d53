// Engine: runs one causal LM for many requests at once, on token ids only (continuous
// batching, as vLLM does). One scheduler thread owns the model's forward passes; every
// step it
//   - drops cancelled requests and stopped choices, freeing their blocks;
//   - gives every running sequence its next token to compute (one decode token, or the
//     next chunk of a prompt) and admits waiting requests while the per-step token budget
//     (max_num_batched_tokens) and max_num_seqs allow, so a long prompt is prefilled in
//     chunks beside the streams already running instead of stalling them;
//   - runs one forward pass over that flat batch and samples each sequence that reached
//     its last token, pushing the token to the request's RequestStream.
// The paged KV cache (BlockManager + KvCache) reuses cached prompt prefixes. When blocks
// run out the newest running sequence is preempted: its blocks are freed and it is
// recomputed later (its tokens so far become its prompt), so a running request never
// fails because another arrived.
//
// submit() and stats() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/block_manager.h"
#include "engine/kv_cache.h"
#include "engine/request_stream.h"
#include "engine/sampling_params.h"
#include "models/causal_lm.h"
#include "util/error.h"
#include "util/thread_pool.h"

namespace hfserve::engine {

struct EngineOptions {
  std::size_t num_blocks = 0;  // KV cache size; see blocks_for_memory()
  std::size_t block_size = 16;
  std::size_t max_num_seqs = 64;              // sequences computed together
  std::size_t max_num_batched_tokens = 2048;  // tokens per forward pass
  std::size_t max_queue = 1024;               // requests waiting beyond max_num_seqs
  std::size_t max_model_len = 0;              // 0: the model's max_position_embeddings
  bool prefix_caching = true;
  std::size_t num_threads = 0;  // forward-pass threads; 0: one per hardware thread
};

struct GenerationRequest {
  std::vector<std::int32_t> prompt;
  SamplingParams sampling;
  std::size_t n = 1;  // choices; they share the prompt's blocks
};

struct EngineStats {
  std::size_t running = 0;
  std::size_t waiting = 0;
  double kv_usage = 0;  // fraction of blocks in use
  std::size_t num_blocks = 0;
  std::uint64_t prefix_queries = 0;  // prompt tokens looked up in the prefix cache
  std::uint64_t prefix_hits = 0;
  std::uint64_t prompt_tokens = 0;     // computed, over the lifetime
  std::uint64_t generated_tokens = 0;  // sampled, over the lifetime
  std::uint64_t preemptions = 0;
};

class Engine {
 public:
  // `model` must outlive the engine. `eos_ids` end a choice unless ignore_eos.
  // Throws Error(kResourceExhausted) when the cache cannot hold one max_model_len sequence.
  Engine(const models::CausalLM& model, std::vector<std::int32_t> eos_ids, EngineOptions options);
  ~Engine();  // stops the scheduler; requests still open end with Error(kUnavailable)
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // How many KV blocks `bytes` of memory hold for `model`.
  static std::size_t blocks_for_memory(const models::CausalLM& model, std::size_t bytes,
                                       std::size_t block_size);

  // Queues a request. Throws Error: kInvalidArgument for bad sampling values, an empty
  // prompt, token ids out of the vocabulary or a prompt plus max_tokens over
  // max_model_len (the message says the numbers); kResourceExhausted when max_queue
  // requests are already waiting.
  std::shared_ptr<RequestStream> submit(GenerationRequest request);
  // Queues several prompts (an OpenAI completions request with a list of prompts) as one
  // stream: prompt p's choices are numbered after those of the prompts before it. Each
  // prompt is scheduled, sampled and seeded as if submitted alone. All are checked before
  // any is queued; an error names the prompt by its index when there are several.
  std::shared_ptr<RequestStream> submit(std::vector<GenerationRequest> requests);

  // As of the end of the last step.
  EngineStats stats() const;
  // Blocks until no request is queued or running (a drain before shutdown; tests).
  void wait_until_idle() const;
  // Ends every queued and running request with `error` at the next step (a shutdown whose
  // grace period ran out); the engine goes on taking new ones.
  void abort_all(const Error& error);
  std::size_t max_model_len() const { return options_.max_model_len; }
  const models::CausalLM& model() const { return model_; }

 private:
  struct Request;
  struct Sequence;
  // submit()'s checks of one prompt.
  void check(const GenerationRequest& spec) const;
  struct ScheduledChunk {
    Sequence* sequence;
    std::size_t n_tokens;
  };

  void loop();
  void step();
  void take_new_requests();
  void drop_cancelled();
  std::vector<ScheduledChunk> schedule();
  void run(const std::vector<ScheduledChunk>& chunks);
  void on_logits(Sequence& sequence, std::span<float> logits);
  void emit(Sequence& sequence, const SampledToken& token);
  void preempt(std::size_t running_index);
  void finish(Sequence& sequence, FinishReason reason, std::optional<SampledToken> token = {});
  void remove_finished();
  void fail_everything(const Error& error);
  void publish_stats();

  const models::CausalLM& model_;
  std::vector<std::int32_t> eos_ids_;
  EngineOptions options_;
  ThreadPool pool_;
  BlockManager blocks_;
  KvCache kv_;

  // Scheduler-thread state.
  std::vector<std::unique_ptr<Sequence>> running_;  // admission order
  std::deque<std::unique_ptr<Sequence>> waiting_;   // preempted ones first
  std::vector<BlockCopy> copies_;
  std::vector<float> logits_;
  SequenceId next_sequence_id_ = 1;
  // Lifetime counters, copied into stats_ once per step (not locked per token).
  std::uint64_t prompt_tokens_ = 0;
  std::uint64_t generated_tokens_ = 0;
  std::uint64_t preemptions_ = 0;

  // Shared with submitters.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  mutable std::condition_variable idle_;
  std::vector<std::unique_ptr<Sequence>> inbox_;
  bool stopping_ = false;
  std::optional<Error> abort_;          // abort_all()'s error, until the scheduler applies it
  std::atomic<std::size_t> queued_{0};  // submitted, not yet admitted
  EngineStats stats_;                   // guarded by mutex_
  std::thread thread_;
};

}  // namespace hfserve::engine
