#include "models/layers/encoder_block.h"

#include <cmath>
#include <vector>

#include "models/layers/sequence_attention.h"
#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::models {

std::unique_ptr<Linear> load_dense(const formats::WeightSource& source, const std::string& weight,
                                   const std::string& bias, std::int64_t in, std::int64_t out,
                                   std::optional<tensor::DType> quantize_to) {
  const tensor::TensorView view = source.get(weight);
  if (view.shape != std::vector<std::int64_t>{out, in}) {
    throw Error(ErrorCode::kInvalidArgument, "weight '" + weight + "' has shape " +
                                                 tensor::shape_string(view.shape) + "; expected " +
                                                 tensor::shape_string({out, in}));
  }
  return std::make_unique<Linear>(source, weight, in, bias, quantize_to);
}

EncoderBlock::EncoderBlock(const formats::WeightSource& source, const EncoderBlockNames& names,
                           const formats::ModelConfig& config,
                           std::optional<tensor::DType> quantize_to)
    : hidden_(static_cast<std::size_t>(config.hidden_size)),
      n_heads_(static_cast<std::size_t>(config.num_attention_heads)),
      head_dim_(static_cast<std::size_t>(config.head_dim)),
      intermediate_(static_cast<std::size_t>(config.intermediate_size)),
      act_(activation_from_name(config.hidden_act)),
      attention_norm_(source, names.attention_norm, config.hidden_size, config.norm_eps),
      output_norm_(source, names.output_norm, config.hidden_size, config.norm_eps) {
  const std::int64_t hidden = config.hidden_size;
  if (n_heads_ * head_dim_ != hidden_) {
    throw Error(ErrorCode::kInvalidArgument,
                "num_attention_heads x head_dim is not hidden_size " + std::to_string(hidden));
  }
  query_ = load_dense(source, names.query + ".weight", names.query + ".bias", hidden, hidden,
                      quantize_to);
  key_ =
      load_dense(source, names.key + ".weight", names.key + ".bias", hidden, hidden, quantize_to);
  value_ = load_dense(source, names.value + ".weight", names.value + ".bias", hidden, hidden,
                      quantize_to);
  attention_out_ = load_dense(source, names.attention_out + ".weight",
                              names.attention_out + ".bias", hidden, hidden, quantize_to);
  up_ = load_dense(source, names.up + ".weight", names.up + ".bias", hidden,
                   config.intermediate_size, quantize_to);
  down_ = load_dense(source, names.down + ".weight", names.down + ".bias", config.intermediate_size,
                     hidden, quantize_to);
}

void EncoderBlock::apply(ThreadPool& pool, std::span<const EncoderSequence> sequences, float* x,
                         std::size_t n, EncoderBlockBuffers& buffers) const {
  const tensor::KernelTable& k = tensor::kernel_table();
  const std::size_t hd = head_dim_;
  std::vector<float>& q = buffers.q;
  std::vector<float>& kk = buffers.k;
  std::vector<float>& vv = buffers.v;
  std::vector<float>& attn = buffers.attention;
  for (std::vector<float>* buffer : {&q, &kk, &vv, &attn}) buffer->resize(n * hidden_);
  query_->apply(pool, x, n, q.data());
  key_->apply(pool, x, n, kk.data());
  value_->apply(pool, x, n, vv.data());

  std::vector<AttentionSpan> spans;
  spans.reserve(sequences.size());
  for (const EncoderSequence& s : sequences) {
    spans.push_back({s.first_token, s.n_tokens, s.first_token, s.n_tokens});
  }
  SequenceAttention attention;
  attention.q = q.data();
  attention.k = kk.data();
  attention.v = vv.data();
  attention.out = attn.data();
  attention.heads = n_heads_;
  attention.head_dim = hd;
  attention.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  attend(pool, attention, spans);
  attention_out_->apply(pool, attn.data(), n, q.data());
  k.add_f32(x, q.data(), n * hidden_, x);
  attention_norm_.apply(x, n, x);

  std::vector<float>& up = buffers.up;
  up.resize(n * intermediate_);
  up_->apply(pool, x, n, up.data());
  apply_activation(act_, up.data(), n, intermediate_);
  down_->apply(pool, up.data(), n, q.data());
  k.add_f32(x, q.data(), n * hidden_, x);
  output_norm_.apply(x, n, x);
}

}  // namespace hfserve::models
