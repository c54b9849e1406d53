// T5ForConditionalGeneration, as transformers' modeling_t5.py computes it:
//
//   encoder: x = shared[ids]
//            per layer: x += o(attention(rms1(x)) + bias_enc)   bidirectional
//                       x += ff(rms2(x))
//            h = rms_final(x)
//   decoder: y = shared[ids]
//            per layer: y += o(attention(rms1(y)) + bias_dec)   causal
//                       y += o(cross_attention(q(rms2(y)), k(h), v(h)))
//                       y += ff(rms3(y))
//            logits = lm_head(rms_final(y) [* d_model**-0.5 when tied to shared])
//
// rms is T5LayerNorm: x / sqrt(mean(x^2) + eps) * w, no mean subtraction, no bias (the
// rms_norm_f32 kernel). ff is wo(relu(wi x)) (v1.0) or wo(gelu_new(wi_0 x) * wi_1 x)
// (v1.1, "gated-gelu"). Attention is NOT scaled by 1/sqrt(d_kv) (T5 folds it into the
// initialisation). The position bias [heads, queries, keys] comes from the first layer's
// relative_attention_bias table and is added in every layer of its stack; cross-attention
// has none. No projection has a bias.
#include "models/t5.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "models/layers/activation.h"
#include "models/layers/linear.h"
#include "models/layers/sequence_attention.h"
#include "tensor/dequantize.h"
#include "tensor/kernel_table.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::models {

std::int64_t t5_relative_position_bucket(std::int64_t relative_position, bool bidirectional,
                                         std::int64_t num_buckets, std::int64_t max_distance) {
  std::int64_t bucket = 0;
  std::int64_t distance = relative_position;
  if (bidirectional) {
    num_buckets /= 2;
    if (distance > 0) bucket += num_buckets;
    distance = std::abs(distance);
  } else {
    distance = -std::min<std::int64_t>(distance, 0);
  }
  const std::int64_t max_exact = num_buckets / 2;
  if (distance < max_exact) return bucket + distance;
  // float32 throughout, with the divisor a Python float rounded to float32, as PyTorch
  // evaluates torch.log(x.float() / max_exact) / math.log(...) * (num_buckets - max_exact).
  const float ratio = static_cast<float>(distance) / static_cast<float>(max_exact);
  const auto scale = static_cast<float>(
      std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  const float large = std::log(ratio) / scale * static_cast<float>(num_buckets - max_exact);
  return bucket +
         std::min<std::int64_t>(max_exact + static_cast<std::int64_t>(large), num_buckets - 1);
}

namespace {

// A 1-D or 2-D tensor widened to F32 (norm weights, the position-bias table).
std::vector<float> read_f32(const formats::WeightSource& source, const std::string& name,
                            const std::vector<std::int64_t>& shape) {
  const tensor::TensorView view = source.get(name);
  if (view.shape != shape) {
    throw Error(ErrorCode::kInvalidArgument, "weight '" + name + "' has shape " +
                                                 tensor::shape_string(view.shape) + "; expected " +
                                                 tensor::shape_string(shape));
  }
  std::size_t n = 1;
  for (std::int64_t d : shape) n *= static_cast<std::size_t>(d);
  std::vector<float> out(n);
  tensor::dequantize_row(view.dtype, view.bytes(), out.data(), n);
  return out;
}

struct RmsNorm {
  std::vector<float> weight;
  float eps = 0;

  void apply(const float* x, std::size_t n_tokens, float* out) const {
    const tensor::KernelTable& k = tensor::kernel_table();
    const std::size_t d = weight.size();
    for (std::size_t t = 0; t < n_tokens; ++t) {
      k.rms_norm_f32(x + t * d, weight.data(), eps, d, out + t * d);
    }
  }
};

// T5's attention for one sequence: no scaling, plus an additive bias. q [n_q, heads * d],
// k and v [n_kv, heads * d], out [n_q, heads * d]; bias: [heads, n_q, n_kv] or null.
// causal: query i sits at position n_kv - n_q + i and sees keys 0 ..= that position.
void attend_sequence(ThreadPool& pool, const float* q, std::size_t n_q, const float* k,
                     const float* v, std::size_t n_kv, std::size_t heads, std::size_t d,
                     const float* bias, bool causal, float* out) {
  SequenceAttention a;
  a.q = q;
  a.k = k;
  a.v = v;
  a.out = out;
  a.heads = heads;
  a.head_dim = d;
  a.bias = bias;
  a.causal = causal;
  const AttentionSpan span{0, n_q, 0, n_kv};
  attend(pool, a, {&span, 1});
}

struct AttentionWeights {
  std::unique_ptr<Linear> q, k, v, o;
};

struct FeedForward {
  std::unique_ptr<Linear> wi, wi_1, wo;  // wi is wi_0 when gated
};

struct EncoderLayer {
  RmsNorm attention_norm, ff_norm;
  AttentionWeights attention;
  FeedForward ff;
};

struct DecoderLayer {
  RmsNorm self_norm, cross_norm, ff_norm;
  AttentionWeights self, cross;
  FeedForward ff;
};

class T5 final : public Seq2SeqModel {
 public:
  T5(const formats::ModelConfig& config, const formats::WeightSource& source,
     const LoadOptions& options)
      : Seq2SeqModel(config),
        d_model_(static_cast<std::size_t>(config.hidden_size)),
        heads_(static_cast<std::size_t>(config.num_attention_heads)),
        d_kv_(static_cast<std::size_t>(config.head_dim)),
        d_ff_(static_cast<std::size_t>(config.intermediate_size)),
        buckets_(config.relative_attention_num_buckets),
        max_distance_(config.relative_attention_max_distance),
        act_(activation_from_name(config.hidden_act)) {
    const std::int64_t d = config.hidden_size;
    const std::int64_t inner = config.num_attention_heads * config.head_dim;
    const auto q = options.quantization;
    // save_pretrained keeps one copy of the tied tables: shared.weight, or the encoder's.
    embedding_name_ =
        source.find("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight";
    embedding_ = source.get(embedding_name_);
    if (embedding_.shape != std::vector<std::int64_t>{config.vocab_size, d}) {
      throw Error(ErrorCode::kInvalidArgument, "embedding '" + embedding_name_ + "' has shape " +
                                                   tensor::shape_string(embedding_.shape) +
                                                   "; expected " +
                                                   tensor::shape_string({config.vocab_size, d}));
    }
    embedding_row_bytes_ = embedding_.num_bytes() / static_cast<std::size_t>(config.vocab_size);

    auto linear = [&](const std::string& name, std::int64_t in, std::int64_t out) {
      const tensor::TensorView view = source.get(name);
      if (view.shape != std::vector<std::int64_t>{out, in}) {
        throw Error(ErrorCode::kInvalidArgument,
                    "weight '" + name + "' has shape " + tensor::shape_string(view.shape) +
                        "; expected " + tensor::shape_string({out, in}));
      }
      return std::make_unique<Linear>(source, name, in, std::nullopt, q);
    };
    auto norm = [&](const std::string& name) {
      return RmsNorm{read_f32(source, name + ".weight", {d}), config.norm_eps};
    };
    auto attention = [&](const std::string& p) {
      return AttentionWeights{linear(p + ".q.weight", d, inner), linear(p + ".k.weight", d, inner),
                              linear(p + ".v.weight", d, inner), linear(p + ".o.weight", inner, d)};
    };
    const std::int64_t d_ff = config.intermediate_size;
    auto feed_forward = [&](const std::string& p) {
      const std::string ff = p + ".DenseReluDense.";
      if (config.gated_ffn) {
        return FeedForward{linear(ff + "wi_0.weight", d, d_ff), linear(ff + "wi_1.weight", d, d_ff),
                           linear(ff + "wo.weight", d_ff, d)};
      }
      return FeedForward{linear(ff + "wi.weight", d, d_ff), nullptr,
                         linear(ff + "wo.weight", d_ff, d)};
    };
    const std::vector<std::int64_t> bias_shape = {config.relative_attention_num_buckets,
                                                  config.num_attention_heads};
    encoder_bias_ = read_f32(
        source, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", bias_shape);
    decoder_bias_ = read_f32(
        source, "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", bias_shape);
    for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
      const std::string p = "encoder.block." + std::to_string(i) + ".layer.";
      encoder_.push_back({norm(p + "0.layer_norm"), norm(p + "1.layer_norm"),
                          attention(p + "0.SelfAttention"), feed_forward(p + "1")});
    }
    for (std::int64_t i = 0; i < config.num_decoder_layers; ++i) {
      const std::string p = "decoder.block." + std::to_string(i) + ".layer.";
      decoder_.push_back({norm(p + "0.layer_norm"), norm(p + "1.layer_norm"),
                          norm(p + "2.layer_norm"), attention(p + "0.SelfAttention"),
                          attention(p + "1.EncDecAttention"), feed_forward(p + "2")});
    }
    encoder_norm_ = norm("encoder.final_layer_norm");
    decoder_norm_ = norm("decoder.final_layer_norm");
    // Tied (T5 v1.0): the shared table projects, after scaling by d_model**-0.5.
    const bool own_head = !config.tie_word_embeddings && source.find("lm_head.weight");
    lm_head_ = linear(own_head ? "lm_head.weight" : embedding_name_, d, config.vocab_size);
    if (config.tie_word_embeddings) output_scale_ = 1.0f / std::sqrt(static_cast<float>(d));
    if (q) {
      log::info("{}: Linear weights quantised to {} at load where stored as floats",
                config.architecture, tensor::dtype_name(*q));
    }
  }

  std::vector<float> encode(std::span<const std::int32_t> tokens, ThreadPool& pool) const override {
    check(tokens);
    const std::size_t n = tokens.size();
    std::vector<float> x = embed(tokens);
    const std::vector<float> bias = position_bias(encoder_bias_, n, n, true);
    std::vector<float> h(n * d_model_);
    for (const EncoderLayer& layer : encoder_) {
      layer.attention_norm.apply(x.data(), n, h.data());
      const std::size_t w = heads_ * d_kv_;
      std::vector<float> q(n * w), k(n * w), v(n * w), a(n * w);
      layer.attention.q->apply(pool, h.data(), n, q.data());
      layer.attention.k->apply(pool, h.data(), n, k.data());
      layer.attention.v->apply(pool, h.data(), n, v.data());
      attend_sequence(pool, q.data(), n, k.data(), v.data(), n, heads_, d_kv_, bias.data(), false,
                      a.data());
      residual(pool, *layer.attention.o, a.data(), n, x.data());
      layer.ff_norm.apply(x.data(), n, h.data());
      feed_forward(pool, layer.ff, h.data(), n, x.data());
    }
    encoder_norm_.apply(x.data(), n, x.data());
    return x;
  }

  DecoderCache start_decoder(std::span<const float> encoder_hidden,
                             ThreadPool& pool) const override {
    HFSERVE_CHECK(encoder_hidden.size() % d_model_ == 0);
    DecoderCache cache;
    cache.source_length = encoder_hidden.size() / d_model_;
    const std::size_t n = cache.source_length, w = heads_ * d_kv_;
    cache.self_k.resize(decoder_.size());
    cache.self_v.resize(decoder_.size());
    for (const DecoderLayer& layer : decoder_) {
      cache.cross_k.emplace_back(n * w);
      cache.cross_v.emplace_back(n * w);
      layer.cross.k->apply(pool, encoder_hidden.data(), n, cache.cross_k.back().data());
      layer.cross.v->apply(pool, encoder_hidden.data(), n, cache.cross_v.back().data());
    }
    return cache;
  }

  void decode(DecoderCache& cache, std::span<const std::int32_t> tokens, ThreadPool& pool,
              std::vector<float>& logits) const override {
    check(tokens);
    HFSERVE_CHECK(cache.cross_k.size() == decoder_.size());
    const std::size_t n = tokens.size(), w = heads_ * d_kv_;
    const std::size_t total = cache.length + n;
    std::vector<float> y = embed(tokens);
    const std::vector<float> bias = position_bias(decoder_bias_, n, total, false);
    std::vector<float> h(n * d_model_), q(n * w), k(n * w), v(n * w), a(n * w);
    for (std::size_t l = 0; l < decoder_.size(); ++l) {
      const DecoderLayer& layer = decoder_[l];
      layer.self_norm.apply(y.data(), n, h.data());
      layer.self.q->apply(pool, h.data(), n, q.data());
      layer.self.k->apply(pool, h.data(), n, k.data());
      layer.self.v->apply(pool, h.data(), n, v.data());
      cache.self_k[l].insert(cache.self_k[l].end(), k.begin(), k.end());
      cache.self_v[l].insert(cache.self_v[l].end(), v.begin(), v.end());
      attend_sequence(pool, q.data(), n, cache.self_k[l].data(), cache.self_v[l].data(), total,
                      heads_, d_kv_, bias.data(), true, a.data());
      residual(pool, *layer.self.o, a.data(), n, y.data());

      layer.cross_norm.apply(y.data(), n, h.data());
      layer.cross.q->apply(pool, h.data(), n, q.data());
      attend_sequence(pool, q.data(), n, cache.cross_k[l].data(), cache.cross_v[l].data(),
                      cache.source_length, heads_, d_kv_, nullptr, false, a.data());
      residual(pool, *layer.cross.o, a.data(), n, y.data());

      layer.ff_norm.apply(y.data(), n, h.data());
      feed_forward(pool, layer.ff, h.data(), n, y.data());
    }
    cache.length = total;
    decoder_norm_.apply(y.data(), n, y.data());
    if (output_scale_ != 1.0f) {
      for (float& value : y) value *= output_scale_;
    }
    logits.resize(n * vocab_size());
    lm_head_->apply(pool, y.data(), n, logits.data());
  }

 private:
  void check(std::span<const std::int32_t> tokens) const {
    if (tokens.empty()) throw Error(ErrorCode::kInvalidArgument, "no tokens to run");
    for (std::int32_t token : tokens) {
      if (token < 0 || static_cast<std::size_t>(token) >= vocab_size()) {
        throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(token) +
                                                     " is outside the vocabulary of " +
                                                     std::to_string(vocab_size()));
      }
    }
  }

  std::vector<float> embed(std::span<const std::int32_t> tokens) const {
    std::vector<float> x(tokens.size() * d_model_);
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      tensor::dequantize_row(
          embedding_.dtype,
          embedding_.bytes() + static_cast<std::size_t>(tokens[t]) * embedding_row_bytes_,
          &x[t * d_model_], d_model_);
    }
    return x;
  }

  // [heads, n_q, n_kv]: table[bucket(key - query)][head] for queries at positions
  // n_kv - n_q, ... and keys at 0, ...
  std::vector<float> position_bias(const std::vector<float>& table, std::size_t n_q,
                                   std::size_t n_kv, bool bidirectional) const {
    std::vector<float> bias(heads_ * n_q * n_kv);
    const std::size_t offset = n_kv - n_q;
    for (std::size_t i = 0; i < n_q; ++i) {
      for (std::size_t j = 0; j < n_kv; ++j) {
        const std::int64_t relative =
            static_cast<std::int64_t>(j) - static_cast<std::int64_t>(offset + i);
        const auto bucket = static_cast<std::size_t>(
            t5_relative_position_bucket(relative, bidirectional, buckets_, max_distance_));
        for (std::size_t h = 0; h < heads_; ++h) {
          bias[(h * n_q + i) * n_kv + j] = table[bucket * heads_ + h];
        }
      }
    }
    return bias;
  }

  // x += out(a), x [n, d_model].
  void residual(ThreadPool& pool, const Linear& out, const float* a, std::size_t n,
                float* x) const {
    std::vector<float> r(n * d_model_);
    out.apply(pool, a, n, r.data());
    tensor::kernel_table().add_f32(x, r.data(), r.size(), x);
  }

  // x += ff(h), h and x [n, d_model].
  void feed_forward(ThreadPool& pool, const FeedForward& ff, const float* h, std::size_t n,
                    float* x) const {
    std::vector<float> up(n * d_ff_);
    ff.wi->apply(pool, h, n, up.data());
    apply_activation(act_, up.data(), up.size());
    if (ff.wi_1) {
      std::vector<float> linear(n * d_ff_);
      ff.wi_1->apply(pool, h, n, linear.data());
      for (std::size_t i = 0; i < up.size(); ++i) up[i] *= linear[i];
    }
    residual(pool, *ff.wo, up.data(), n, x);
  }

  std::size_t d_model_, heads_, d_kv_, d_ff_;
  std::int64_t buckets_, max_distance_;
  Activation act_;
  std::string embedding_name_;
  tensor::TensorView embedding_;
  std::size_t embedding_row_bytes_ = 0;
  std::vector<float> encoder_bias_, decoder_bias_;  // [num_buckets, heads]
  std::vector<EncoderLayer> encoder_;
  std::vector<DecoderLayer> decoder_;
  RmsNorm encoder_norm_, decoder_norm_;
  std::unique_ptr<Linear> lm_head_;
  float output_scale_ = 1.0f;
};

}  // namespace

std::unique_ptr<Seq2SeqModel> build_t5(const formats::ModelConfig& config,
                                       const formats::WeightSource& source,
                                       const LoadOptions& options) {
  return std::make_unique<T5>(config, source, options);
}

}  // namespace hfserve::models
