// CausalLM: a decoder-only language model, built once from a ModelConfig and a
// WeightSource (models/registry.h) and immutable afterwards. It runs one forward pass over
// a flat batch: the new tokens of several sequences, no padding. Keys and values go into
// the paged KV cache the engine owns (layout: tensor/kernel_table.h), through each
// sequence's block table; logits come out for the tokens that ask for them.
//
// forward() is called by one thread at a time (the engine's scheduler thread); it splits
// its work over the ThreadPool it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "formats/model_config.h"
#include "util/thread_pool.h"

namespace hfserve::models {

// One layer's key and value storage: [num_blocks, n_kv_heads, block_size, head_dim] F32.
struct LayerKv {
  float* k = nullptr;
  float* v = nullptr;
};

struct KvCacheView {
  std::vector<LayerKv> layers;  // one per hidden layer
  std::size_t block_size = 0;
};

// The new tokens of one sequence: a contiguous run of the batch's tokens at consecutive
// positions, after `first_position` tokens already in its cache.
struct SequenceChunk {
  std::size_t first_token = 0;  // index into ForwardBatch::tokens
  std::size_t n_tokens = 0;
  std::size_t first_position = 0;
  const std::int32_t* block_table = nullptr;  // covers positions [0, first_position + n_tokens)
  bool want_logits = false;                   // logits of the chunk's last token
};

struct ForwardBatch {
  std::span<const std::int32_t> tokens;
  std::span<const SequenceChunk> sequences;
};

class CausalLM {
 public:
  virtual ~CausalLM() = default;

  const formats::ModelConfig& config() const { return config_; }
  std::size_t num_layers() const { return static_cast<std::size_t>(config_.num_hidden_layers); }
  std::size_t num_kv_heads() const { return static_cast<std::size_t>(config_.num_key_value_heads); }
  std::size_t head_dim() const { return static_cast<std::size_t>(config_.head_dim); }
  std::size_t vocab_size() const { return static_cast<std::size_t>(config_.vocab_size); }

  // Runs the batch, writing keys and values into `kv` and, for each sequence that wants
  // them in order, vocab_size logits into `logits` ([sequences wanting logits, vocab]).
  virtual void forward(const ForwardBatch& batch, const KvCacheView& kv, ThreadPool& pool,
                       std::vector<float>& logits) const = 0;

 protected:
  explicit CausalLM(formats::ModelConfig config) : config_(std::move(config)) {}

 private:
  formats::ModelConfig config_;
};

}  // namespace hfserve::models
