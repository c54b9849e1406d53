// Seq2SeqModel: an encoder-decoder Transformer (T5) with its language-model head, built
// once from a ModelConfig and a WeightSource (models/registry.h) and immutable afterwards.
// A request runs the encoder once over its input, starts a DecoderCache from the encoder's
// output (each decoder layer's cross-attention keys and values, computed once), then feeds
// the decoder its tokens, one step or several at a time; each call appends the new tokens'
// self-attention keys and values to the cache and returns their logits.
//
// The model is immutable: several requests may hold caches at once. Every method splits
// its work over the ThreadPool it is given, whose parallel_for one thread at a time may
// call: callers sharing a pool serialise their calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "formats/model_config.h"
#include "util/thread_pool.h"

namespace hfserve::models {

// One request's decoder state. Owned by the request; only the model writes it.
struct DecoderCache {
  std::size_t length = 0;         // decoder tokens fed so far (their keys are cached)
  std::size_t source_length = 0;  // encoder tokens
  // Per decoder layer: self-attention [length, n_heads * head_dim] and cross-attention
  // [source_length, n_heads * head_dim] keys and values.
  std::vector<std::vector<float>> self_k, self_v, cross_k, cross_v;
};

class Seq2SeqModel {
 public:
  virtual ~Seq2SeqModel() = default;

  const formats::ModelConfig& config() const { return config_; }
  std::size_t vocab_size() const { return static_cast<std::size_t>(config_.vocab_size); }
  std::size_t hidden_size() const { return static_cast<std::size_t>(config_.hidden_size); }

  // The encoder's last hidden states (after its final norm) [tokens, hidden_size]. Throws
  // Error(kInvalidArgument) for no tokens or a token outside the vocabulary.
  virtual std::vector<float> encode(std::span<const std::int32_t> tokens,
                                    ThreadPool& pool) const = 0;

  // A cache for decoding against `encoder_hidden` [source_length, hidden_size].
  virtual DecoderCache start_decoder(std::span<const float> encoder_hidden,
                                     ThreadPool& pool) const = 0;

  // Feeds `tokens` (at positions cache.length, ...) to the decoder; `logits` becomes
  // [tokens, vocab_size]. Throws Error(kInvalidArgument) for no tokens or a token outside
  // the vocabulary, before touching the cache.
  virtual void decode(DecoderCache& cache, std::span<const std::int32_t> tokens, ThreadPool& pool,
                      std::vector<float>& logits) const = 0;

 protected:
  explicit Seq2SeqModel(formats::ModelConfig config) : config_(std::move(config)) {}

 private:
  formats::ModelConfig config_;
};

}  // namespace hfserve::models
