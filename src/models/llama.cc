// The Llama block diagram, shared by Llama 1-3.x, Mistral (sliding window), Qwen2/2.5
// (biases on q/k/v) and Qwen3 (RMSNorm on each query and key head):
//
//   x = embed(tokens)
//   per layer:  h = x + o_proj(attention(rope(q_proj(norm(x))), rope(k_proj(..)), v_proj(..)))
//               x = h + down_proj(silu(gate_proj(norm(h))) * up_proj(norm(h)))
//   logits = lm_head(norm(x))          (lm_head = embed_tokens when tied)
//
// Optional weights (biases, q/k norms, lm_head) are found by name, not by subclass.
#include "models/llama.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "formats/gguf_names.h"
#include "models/layers/causal_attention.h"
#include "models/layers/last_token_logits.h"
#include "models/layers/linear.h"
#include "models/layers/rope.h"
#include "tensor/dequantize.h"
#include "tensor/kernel_table.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::models {
namespace {

// Weight names are Hugging Face's; a GGUF source is asked under llama.cpp's names.
class Names {
 public:
  explicit Names(const formats::WeightSource& source) : source_(source) {
    gguf_ = source.format() == "gguf";
  }
  std::string operator()(const std::string& hf) const {
    if (!gguf_) return hf;
    std::optional<std::string> name = formats::gguf_name_from_hf(hf);
    return name ? *name : hf;
  }
  bool has(const std::string& hf) const { return source_.find((*this)(hf)).has_value(); }
  std::optional<std::string> optional(const std::string& hf) const {
    return has(hf) ? std::optional((*this)(hf)) : std::nullopt;
  }

 private:
  const formats::WeightSource& source_;
  bool gguf_ = false;
};

// llama.cpp's converter writes Llama 3.1's rope scaling into a GGUF as the rope_freqs
// tensor (a divisor per frequency), not as metadata.
std::vector<float> gguf_rope_freqs(const formats::WeightSource& source) {
  if (source.format() != "gguf" || !source.find("rope_freqs.weight")) return {};
  return source.to_f32("rope_freqs.weight");
}

struct Layer {
  std::vector<float> input_norm, post_attention_norm, q_norm, k_norm;
  std::unique_ptr<Linear> q, k, v, o, gate, up, down;
};

class Llama final : public CausalLM {
 public:
  Llama(const formats::ModelConfig& config, const formats::WeightSource& source,
        const LoadOptions& options)
      : CausalLM(config),
        // llama.cpp stores a Llama GGUF's Q/K rows in Meta's interleaved order; the other
        // families, and every Hugging Face checkpoint, in rotate-half order.
        rope_(config,
              !(source.format() == "gguf" &&
                (config.model_type == "llama" || config.model_type == "mistral")),
              gguf_rope_freqs(source)) {
    Names names(source);
    struct {
      std::size_t count = 0, total = 0;
      std::uint64_t bytes_before = 0, bytes_after = 0;
    } quantised;
    // A Linear by its Hugging Face weight name (and optional bias), quantised at load when
    // the options ask for it.
    auto linear = [&](const std::string& weight, std::int64_t in,
                      const std::optional<std::string>& bias = std::nullopt) {
      const std::string name = names(weight);
      auto layer = std::make_unique<Linear>(
          source, name, in, bias ? names.optional(*bias) : std::nullopt, options.quantization);
      const tensor::TensorView stored = source.get(name);
      ++quantised.total;
      if (options.quantization && layer->weight_dtype() == *options.quantization &&
          stored.dtype != *options.quantization) {
        ++quantised.count;
        quantised.bytes_before += stored.num_bytes();
        quantised.bytes_after += layer->weight().num_bytes();
      }
      return layer;
    };
    const std::int64_t hidden = config.hidden_size;
    const std::int64_t q_dim = config.num_attention_heads * config.head_dim;
    if (config.num_attention_heads % config.num_key_value_heads != 0) {
      throw Error(ErrorCode::kInvalidArgument, "num_attention_heads " +
                                                   std::to_string(config.num_attention_heads) +
                                                   " is not a multiple of num_key_value_heads " +
                                                   std::to_string(config.num_key_value_heads));
    }
    // Quantising at load covers the embedding table too, as llama.cpp's quantize does: a
    // Linear holds its blocks (and is the lm_head when the embeddings are tied).
    std::unique_ptr<Linear> embed_blocks;
    if (options.quantization) {
      embed_blocks = linear("model.embed_tokens.weight", hidden);
      embed_ = embed_blocks->weight();
    } else {
      embed_ = source.get(names("model.embed_tokens.weight"));
    }
    if (embed_.shape.size() != 2 || embed_.shape[1] != hidden ||
        embed_.shape[0] < config.vocab_size) {
      throw Error(ErrorCode::kInvalidArgument, "embed_tokens has shape " +
                                                   tensor::shape_string(embed_.shape) +
                                                   "; expected [vocab_size, hidden_size]");
    }
    embed_row_bytes_ = embed_.num_bytes() / static_cast<std::size_t>(embed_.shape[0]);
    for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
      const std::string p = "model.layers." + std::to_string(i) + ".";
      Layer layer;
      layer.input_norm = source.to_f32(names(p + "input_layernorm.weight"));
      layer.post_attention_norm = source.to_f32(names(p + "post_attention_layernorm.weight"));
      if (names.has(p + "self_attn.q_norm.weight")) {
        layer.q_norm = source.to_f32(names(p + "self_attn.q_norm.weight"));
        layer.k_norm = source.to_f32(names(p + "self_attn.k_norm.weight"));
      }
      layer.q = linear(p + "self_attn.q_proj.weight", hidden, p + "self_attn.q_proj.bias");
      layer.k = linear(p + "self_attn.k_proj.weight", hidden, p + "self_attn.k_proj.bias");
      layer.v = linear(p + "self_attn.v_proj.weight", hidden, p + "self_attn.v_proj.bias");
      layer.o = linear(p + "self_attn.o_proj.weight", q_dim);
      layer.gate = linear(p + "mlp.gate_proj.weight", hidden);
      layer.up = linear(p + "mlp.up_proj.weight", hidden);
      layer.down = linear(p + "mlp.down_proj.weight", config.intermediate_size);
      layers_.push_back(std::move(layer));
    }
    final_norm_ = source.to_f32(names("model.norm.weight"));
    if (names.has("lm_head.weight")) {
      lm_head_ = linear("lm_head.weight", hidden);
      embed_blocks_ = std::move(embed_blocks);
    } else {
      lm_head_ =
          embed_blocks ? std::move(embed_blocks) : linear("model.embed_tokens.weight", hidden);
    }
    if (options.quantization) {
      log::info("quantised {} of {} weight matrices to {} at load ({:.1f} -> {:.1f} MiB)",
                quantised.count, quantised.total, tensor::dtype_name(*options.quantization),
                static_cast<double>(quantised.bytes_before) / (1 << 20),
                static_cast<double>(quantised.bytes_after) / (1 << 20));
    }
  }

  void forward(const ForwardBatch& batch, const KvCacheView& kv, ThreadPool& pool,
               std::vector<float>& logits) const override {
    const formats::ModelConfig& c = config();
    const std::size_t n = batch.tokens.size();
    const std::size_t hidden = static_cast<std::size_t>(c.hidden_size);
    const std::size_t n_heads = static_cast<std::size_t>(c.num_attention_heads);
    const std::size_t n_kv = num_kv_heads();
    const std::size_t hd = head_dim();
    const std::size_t ffn = static_cast<std::size_t>(c.intermediate_size);
    const tensor::KernelTable& k = tensor::kernel_table();

    std::vector<std::int32_t> positions(n);
    for (const SequenceChunk& s : batch.sequences) {
      for (std::size_t i = 0; i < s.n_tokens; ++i) {
        positions[s.first_token + i] = static_cast<std::int32_t>(s.first_position + i);
      }
    }
    std::vector<float> x(n * hidden), h(n * hidden), q(n * n_heads * hd), kk(n * n_kv * hd),
        vv(n * n_kv * hd), attn(n * n_heads * hd), gate(n * ffn), up(n * ffn);
    for (std::size_t t = 0; t < n; ++t) {
      const std::int32_t token = batch.tokens[t];
      if (token < 0 || token >= c.vocab_size) {
        throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(token) +
                                                     " is outside the vocabulary of " +
                                                     std::to_string(c.vocab_size));
      }
      tensor::dequantize_row(embed_.dtype, embed_.bytes() + token * embed_row_bytes_,
                             &x[t * hidden], hidden);
    }

    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const Layer& layer = layers_[l];
      for (std::size_t t = 0; t < n; ++t) {
        k.rms_norm_f32(&x[t * hidden], layer.input_norm.data(), c.norm_eps, hidden, &h[t * hidden]);
      }
      layer.q->apply(pool, h.data(), n, q.data());
      layer.k->apply(pool, h.data(), n, kk.data());
      layer.v->apply(pool, h.data(), n, vv.data());
      if (!layer.q_norm.empty()) {
        for (std::size_t i = 0; i < n * n_heads; ++i) {
          k.rms_norm_f32(&q[i * hd], layer.q_norm.data(), c.norm_eps, hd, &q[i * hd]);
        }
        for (std::size_t i = 0; i < n * n_kv; ++i) {
          k.rms_norm_f32(&kk[i * hd], layer.k_norm.data(), c.norm_eps, hd, &kk[i * hd]);
        }
      }
      rope_.apply(q.data(), n, n_heads, positions.data());
      rope_.apply(kk.data(), n, n_kv, positions.data());

      causal_attention(batch, kv.layers[l], kv.block_size,
                       {n_heads, n_kv, hd, static_cast<std::size_t>(c.sliding_window.value_or(0))},
                       q.data(), kk.data(), vv.data(), pool, attn.data());
      layer.o->apply(pool, attn.data(), n, h.data());
      k.add_f32(x.data(), h.data(), n * hidden, x.data());

      for (std::size_t t = 0; t < n; ++t) {
        k.rms_norm_f32(&x[t * hidden], layer.post_attention_norm.data(), c.norm_eps, hidden,
                       &h[t * hidden]);
      }
      layer.gate->apply(pool, h.data(), n, gate.data());
      layer.up->apply(pool, h.data(), n, up.data());
      // Token by token, so a token's values never depend on its batch (see activation.h).
      for (std::size_t t = 0; t < n; ++t) {
        k.silu_mul_f32(&gate[t * ffn], &up[t * ffn], ffn, &gate[t * ffn]);
      }
      layer.down->apply(pool, gate.data(), n, h.data());
      k.add_f32(x.data(), h.data(), n * hidden, x.data());
    }

    last_token_logits(
        batch, x, hidden,
        [&](const float* row, float* out) {
          k.rms_norm_f32(row, final_norm_.data(), c.norm_eps, hidden, out);
        },
        *lm_head_, pool, logits);
  }

 private:
  Rope rope_;
  tensor::TensorView embed_;
  std::unique_ptr<Linear> embed_blocks_;  // owns embed_'s bytes when quantised at load, untied
  std::size_t embed_row_bytes_ = 0;
  std::vector<Layer> layers_;
  std::vector<float> final_norm_;
  std::unique_ptr<Linear> lm_head_;
};

}  // namespace

std::unique_ptr<CausalLM> build_llama(const formats::ModelConfig& config,
                                      const formats::WeightSource& source,
                                      const LoadOptions& options) {
  return std::make_unique<Llama>(config, source, options);
}

}  // namespace hfserve::models
