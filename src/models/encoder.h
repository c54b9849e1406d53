// EncoderModel: a bidirectional Transformer encoder of the BERT family (BERT, RoBERTa,
// XLM-RoBERTa, DistilBERT) with the task head its checkpoint carries, built once from a
// ModelConfig and a WeightSource (models/registry.h) and immutable afterwards. It runs one
// forward pass over a flat batch: several sequences back to back, no padding; each token
// attends to every token of its own sequence and of no other.
//
// Embeddings pool the hidden states (models/pooling.h); the classification and masked-LM
// heads turn them into logits as transformers' *For{Sequence,Token}Classification and
// *ForMaskedLM do. forward() may be called from several threads at once (each with its
// own output); it splits its work over the ThreadPool it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "formats/model_config.h"
#include "util/thread_pool.h"

namespace hfserve::models {

// Which head the checkpoint's architecture names (config.json `architectures`).
enum class EncoderHead {
  kNone,                    // BertModel, XLMRobertaModel, ...: hidden states only
  kSequenceClassification,  // num_labels logits per sequence (pooled first token)
  kTokenClassification,     // num_labels logits per token
  kMaskedLm,                // vocab_size logits per token asked for
};

struct EncoderSequence {
  std::size_t first_token = 0;  // index into EncoderBatch::tokens
  std::size_t n_tokens = 0;     // 1 ..= max_tokens()
};

struct EncoderBatch {
  std::span<const std::int32_t> tokens;       // every sequence's ids, back to back
  std::span<const std::int32_t> token_types;  // as long as tokens, or empty: all type 0
  std::span<const EncoderSequence> sequences;
  // kMaskedLm only: the indices into `tokens` whose vocabulary logits are wanted (the
  // mask positions; computing all of them would cost vocab_size x hidden per token).
  std::span<const std::size_t> lm_tokens;
};

struct EncoderOutput {
  std::vector<float> hidden;  // [tokens, hidden_size]: the last layer's hidden states
  // The head's logits, before any sigmoid or softmax; empty for kNone:
  //   kSequenceClassification [sequences, num_labels]
  //   kTokenClassification    [tokens, num_labels]
  //   kMaskedLm               [lm_tokens, vocab_size]
  std::vector<float> logits;
};

class EncoderModel {
 public:
  virtual ~EncoderModel() = default;

  const formats::ModelConfig& config() const { return config_; }
  EncoderHead head() const { return head_; }
  std::size_t hidden_size() const { return static_cast<std::size_t>(config_.hidden_size); }
  std::size_t num_labels() const { return static_cast<std::size_t>(config_.num_labels); }
  // The longest sequence the position embeddings cover (RoBERTa's positions start after
  // its padding id, so it is max_position_embeddings - pad_token_id - 1 there).
  virtual std::size_t max_tokens() const = 0;

  // Throws Error(kInvalidArgument) for a token or token type id outside the model's
  // tables or a sequence longer than max_tokens(); nothing else can fail.
  virtual void forward(const EncoderBatch& batch, ThreadPool& pool, EncoderOutput& out) const = 0;

 protected:
  EncoderModel(formats::ModelConfig config, EncoderHead head)
      : config_(std::move(config)), head_(head) {}

 private:
  formats::ModelConfig config_;
  EncoderHead head_;
};

}  // namespace hfserve::models
