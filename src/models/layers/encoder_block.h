// EncoderBlock: one post-LayerNorm Transformer encoder layer of the BERT family, whose
// checkpoints differ only in the names of its weights:
//
//   x = norm1(x + out(attention(query(x), key(x), value(x))))   bidirectional per sequence
//   x = norm2(x + down(act(up(x))))
//
// Every projection has a bias. Immutable after construction; apply() may run on several
// threads at once, each with its own buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/encoder.h"
#include "models/layers/activation.h"
#include "models/layers/layer_norm.h"
#include "models/layers/linear.h"
#include "tensor/dtype.h"
#include "util/thread_pool.h"

namespace hfserve::models {

// The checkpoint's names of one layer's weights, each without ".weight" / ".bias".
struct EncoderBlockNames {
  std::string query, key, value, attention_out, attention_norm, up, down, output_norm;
};

// The Linear `weight` [out, in] with its `bias` [out], quantised at load when asked.
// Throws Error naming a missing tensor or a weight of another shape.
std::unique_ptr<Linear> load_dense(const formats::WeightSource& source, const std::string& weight,
                                   const std::string& bias, std::int64_t in, std::int64_t out,
                                   std::optional<tensor::DType> quantize_to);

// A layer's activations, sized on first use and reused by every layer of a forward pass
// (a batch's feed-forward buffer alone can be tens of MiB).
struct EncoderBlockBuffers {
  std::vector<float> q, k, v, attention, up;
};

class EncoderBlock {
 public:
  // Throws Error naming a missing or mis-shaped weight. `quantize_to`: LoadOptions'.
  EncoderBlock(const formats::WeightSource& source, const EncoderBlockNames& names,
               const formats::ModelConfig& config,
               std::optional<tensor::DType> quantize_to = std::nullopt);

  // x: [tokens, hidden_size], updated in place; `sequences` tile the tokens (checked by the
  // caller). Each token attends to the tokens of its own sequence.
  void apply(ThreadPool& pool, std::span<const EncoderSequence> sequences, float* x,
             std::size_t n_tokens, EncoderBlockBuffers& buffers) const;

 private:
  std::size_t hidden_ = 0, n_heads_ = 0, head_dim_ = 0, intermediate_ = 0;
  Activation act_;
  std::unique_ptr<Linear> query_, key_, value_, attention_out_, up_, down_;
  LayerNorm attention_norm_, output_norm_;
};

}  // namespace hfserve::models
