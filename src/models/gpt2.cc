// The GPT-2 block diagram (pre-LN, learned positions, GELU tanh):
//
//   x = wte(tokens) + wpe(positions)
//   per layer:  h = x + c_proj(attention(split(c_attn(ln_1(x)))))
//               x = h + mlp.c_proj(gelu_new(mlp.c_fc(ln_2(h))))
//   logits = lm_head(ln_f(x))          (lm_head = wte, tied)
//
// GPT-2's Conv1D layers store their weights as [in, out], the transpose of a Linear's:
// they are transposed once at load (c_attn also split into q, k and v), which is why this
// file reads them through ConvWeights rather than straight from the source. A GGUF
// (llama.cpp's converter) stores them already transposed, c_attn as attn_qkv: there q, k
// and v are row ranges of it, viewed in place in whatever dtype the file holds.
#include "models/gpt2.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/layers/activation.h"
#include "models/layers/causal_attention.h"
#include "models/layers/last_token_logits.h"
#include "models/layers/layer_norm.h"
#include "models/layers/linear.h"
#include "tensor/dequantize.h"
#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::models {
namespace {

// The source's tensors, plus Conv1D weights turned into Linear layout ([out, in], F32), or
// row ranges of Linear-layout weights, under new names. Everything else is the source's
// own view.
class ConvWeights final : public formats::WeightSource {
 public:
  explicit ConvWeights(const formats::WeightSource& source) : source_(source) {}

  // For each (first, count, to) of `parts`: adds `<to>.weight` = columns [first, first +
  // count) of `from` ([in, out]) transposed, and `<to>.bias` = the same slice of
  // `from_bias`. `from` is read once whatever the number of parts (c_attn has three).
  struct Part {
    std::int64_t first, count;
    std::string to;
  };
  void add_transposed(const std::string& from, const std::string& from_bias,
                      const std::vector<Part>& parts) {
    const tensor::TensorView stored = matrix_covering(from, 1, "[in, out]", parts);
    const std::vector<float> w = source_.to_f32(from);
    const auto in = static_cast<std::size_t>(stored.shape[0]);
    const auto out = static_cast<std::size_t>(stored.shape[1]);
    for (const Part& part : parts) {
      const auto first = static_cast<std::size_t>(part.first);
      const auto count = static_cast<std::size_t>(part.count);
      std::vector<float>& weight = owned_[part.to + ".weight"];
      weight.resize(count * in);
      for (std::size_t o = 0; o < count; ++o) {
        for (std::size_t i = 0; i < in; ++i) weight[o * in + i] = w[i * out + first + o];
      }
      shapes_[part.to + ".weight"] = {part.count, static_cast<std::int64_t>(in)};
    }
    add_bias_slices(from_bias, stored.shape[1], parts);
  }

  // For each part: `<to>.weight` = rows [first, first + count) of `from` ([out, in], any
  // dtype, not copied) and `<to>.bias` = the same slice of `from_bias`.
  void add_row_slices(const std::string& from, const std::string& from_bias,
                      const std::vector<Part>& parts) {
    const tensor::TensorView stored = matrix_covering(from, 0, "[out, in]", parts);
    const std::size_t row_bytes = stored.num_bytes() / static_cast<std::size_t>(stored.shape[0]);
    for (const Part& part : parts) {
      const auto first = static_cast<std::size_t>(part.first);
      views_[part.to + ".weight"] = tensor::TensorView{
          stored.bytes() + first * row_bytes, stored.dtype, {part.count, stored.shape[1]}};
    }
    add_bias_slices(from_bias, stored.shape[0], parts);
  }

  std::optional<tensor::TensorView> find(std::string_view name) const override {
    if (auto it = views_.find(std::string(name)); it != views_.end()) return it->second;
    if (auto it = owned_.find(std::string(name)); it != owned_.end()) {
      return tensor::TensorView{it->second.data(), tensor::DType::kF32,
                                shapes_.at(std::string(name))};
    }
    return source_.find(name);
  }
  std::vector<std::string> names() const override { return source_.names(); }
  std::vector<std::string> files() const override { return source_.files(); }
  std::string_view format() const override { return source_.format(); }

 private:
  // `from`, a matrix whose dimension `outputs_axis` holds every part's outputs.
  tensor::TensorView matrix_covering(const std::string& from, std::size_t outputs_axis,
                                     const char* layout, const std::vector<Part>& parts) const {
    const tensor::TensorView stored = source_.get(from);
    std::int64_t needed = 0;
    for (const Part& part : parts) needed = std::max(needed, part.first + part.count);
    if (stored.shape.size() != 2 || needed > stored.shape[outputs_axis]) {
      throw Error(ErrorCode::kInvalidArgument,
                  from + " has shape " + tensor::shape_string(stored.shape) + "; expected " +
                      layout + " with at least " + std::to_string(needed) + " outputs");
    }
    return stored;
  }

  // `<to>.bias` for each part: its slice of `from_bias`, which must hold `outputs` values.
  void add_bias_slices(const std::string& from_bias, std::int64_t outputs,
                       const std::vector<Part>& parts) {
    const std::vector<float> b = source_.to_f32(from_bias);
    if (b.size() != static_cast<std::size_t>(outputs)) {
      throw Error(ErrorCode::kInvalidArgument, from_bias + " has " + std::to_string(b.size()) +
                                                   " values; expected " + std::to_string(outputs));
    }
    for (const Part& part : parts) {
      owned_[part.to + ".bias"].assign(b.begin() + part.first, b.begin() + part.first + part.count);
      shapes_[part.to + ".bias"] = {part.count};
    }
  }

  const formats::WeightSource& source_;
  std::map<std::string, tensor::TensorView> views_;
  std::map<std::string, std::vector<float>> owned_;
  std::map<std::string, std::vector<std::int64_t>> shapes_;
};

struct Layer {
  std::unique_ptr<LayerNorm> ln_1, ln_2;
  std::unique_ptr<Linear> q, k, v, proj, fc, fc_proj;
};

class Gpt2 final : public CausalLM {
 public:
  Gpt2(const formats::ModelConfig& config, const formats::WeightSource& source,
       const LoadOptions& options)
      : CausalLM(config), weights_(source) {
    const bool gguf = source.format() == "gguf";
    // The Hub's gpt2 checkpoints save the bare GPT2Model (wte.weight, h.0...); a
    // GPT2LMHeadModel saved by transformers prefixes them with "transformer.".
    const std::string p = source.find("transformer.wte.weight") ? "transformer." : "";
    const std::int64_t hidden = config.hidden_size;
    const std::int64_t ffn = config.intermediate_size;
    if (config.head_dim * config.num_attention_heads != hidden) {
      throw Error(ErrorCode::kInvalidArgument, "n_embd " + std::to_string(hidden) +
                                                   " is not a multiple of n_head " +
                                                   std::to_string(config.num_attention_heads));
    }
    wte_ = source.get(gguf ? "token_embd.weight" : p + "wte.weight");
    wpe_ = source.get(gguf ? "position_embd.weight" : p + "wpe.weight");
    if (wte_.shape.size() != 2 || wte_.shape[1] != hidden || wte_.shape[0] < config.vocab_size ||
        wpe_.shape.size() != 2 || wpe_.shape[1] != hidden ||
        wpe_.shape[0] < config.max_position_embeddings) {
      throw Error(ErrorCode::kInvalidArgument,
                  "wte/wpe have shapes " + tensor::shape_string(wte_.shape) + " and " +
                      tensor::shape_string(wpe_.shape) +
                      "; expected [vocab_size, n_embd] and [n_positions, n_embd]");
    }
    for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
      const std::string h = p + "h." + std::to_string(i) + ".";
      const std::string b = "blk." + std::to_string(i) + ".";
      const std::string t = "gpt2." + std::to_string(i) + ".";  // the Linear-layout weights
      const std::vector<ConvWeights::Part> qkv = {
          {0, hidden, t + "q"}, {hidden, hidden, t + "k"}, {2 * hidden, hidden, t + "v"}};
      if (gguf) {
        weights_.add_row_slices(b + "attn_qkv.weight", b + "attn_qkv.bias", qkv);
        weights_.add_row_slices(b + "attn_output.weight", b + "attn_output.bias",
                                {{0, hidden, t + "proj"}});
        weights_.add_row_slices(b + "ffn_up.weight", b + "ffn_up.bias", {{0, ffn, t + "fc"}});
        weights_.add_row_slices(b + "ffn_down.weight", b + "ffn_down.bias",
                                {{0, hidden, t + "fc_proj"}});
      } else {
        weights_.add_transposed(h + "attn.c_attn.weight", h + "attn.c_attn.bias", qkv);
        weights_.add_transposed(h + "attn.c_proj.weight", h + "attn.c_proj.bias",
                                {{0, hidden, t + "proj"}});
        weights_.add_transposed(h + "mlp.c_fc.weight", h + "mlp.c_fc.bias", {{0, ffn, t + "fc"}});
        weights_.add_transposed(h + "mlp.c_proj.weight", h + "mlp.c_proj.bias",
                                {{0, hidden, t + "fc_proj"}});
      }
      auto linear = [&](const std::string& name, std::int64_t in) {
        return std::make_unique<Linear>(weights_, t + name + ".weight", in, t + name + ".bias",
                                        options.quantization);
      };
      Layer layer;
      layer.ln_1 = std::make_unique<LayerNorm>(source, gguf ? b + "attn_norm" : h + "ln_1", hidden,
                                               config.norm_eps);
      layer.ln_2 = std::make_unique<LayerNorm>(source, gguf ? b + "ffn_norm" : h + "ln_2", hidden,
                                               config.norm_eps);
      layer.q = linear("q", hidden);
      layer.k = linear("k", hidden);
      layer.v = linear("v", hidden);
      layer.proj = linear("proj", hidden);
      layer.fc = linear("fc", hidden);
      layer.fc_proj = linear("fc_proj", ffn);
      layers_.push_back(std::move(layer));
    }
    ln_f_ = std::make_unique<LayerNorm>(source, gguf ? "output_norm" : p + "ln_f", hidden,
                                        config.norm_eps);
    const std::string head =
        gguf ? (source.find("output.weight") ? "output.weight" : "token_embd.weight")
             : (source.find("lm_head.weight") ? "lm_head.weight" : p + "wte.weight");
    lm_head_ = std::make_unique<Linear>(source, head, hidden, std::nullopt, options.quantization);
    activation_ = activation_from_name(config.hidden_act);
  }

  void forward(const ForwardBatch& batch, const KvCacheView& kv, ThreadPool& pool,
               std::vector<float>& logits) const override {
    const formats::ModelConfig& c = config();
    const std::size_t n = batch.tokens.size();
    const auto hidden = static_cast<std::size_t>(c.hidden_size);
    const auto n_heads = static_cast<std::size_t>(c.num_attention_heads);
    const std::size_t hd = head_dim();
    const auto ffn = static_cast<std::size_t>(c.intermediate_size);
    const tensor::KernelTable& k = tensor::kernel_table();

    std::vector<float> x(n * hidden), h(n * hidden), q(n * hidden), kk(n * hidden), vv(n * hidden),
        attn(n * hidden), mid(n * ffn), position(hidden);
    const std::size_t wte_row = wte_.num_bytes() / static_cast<std::size_t>(wte_.shape[0]);
    const std::size_t wpe_row = wpe_.num_bytes() / static_cast<std::size_t>(wpe_.shape[0]);
    for (const SequenceChunk& s : batch.sequences) {
      for (std::size_t i = 0; i < s.n_tokens; ++i) {
        const std::size_t t = s.first_token + i, pos = s.first_position + i;
        const std::int32_t token = batch.tokens[t];
        if (token < 0 || token >= c.vocab_size) {
          throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(token) +
                                                       " is outside the vocabulary of " +
                                                       std::to_string(c.vocab_size));
        }
        if (pos >= static_cast<std::size_t>(c.max_position_embeddings)) {
          throw Error(ErrorCode::kInvalidArgument,
                      "position " + std::to_string(pos) + " is past GPT-2's " +
                          std::to_string(c.max_position_embeddings) + " learned positions");
        }
        tensor::dequantize_row(wte_.dtype, wte_.bytes() + token * wte_row, &x[t * hidden], hidden);
        tensor::dequantize_row(wpe_.dtype, wpe_.bytes() + pos * wpe_row, position.data(), hidden);
        k.add_f32(&x[t * hidden], position.data(), hidden, &x[t * hidden]);
      }
    }
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const Layer& layer = layers_[l];
      layer.ln_1->apply(x.data(), n, h.data());
      layer.q->apply(pool, h.data(), n, q.data());
      layer.k->apply(pool, h.data(), n, kk.data());
      layer.v->apply(pool, h.data(), n, vv.data());
      causal_attention(batch, kv.layers[l], kv.block_size, {n_heads, n_heads, hd, 0}, q.data(),
                       kk.data(), vv.data(), pool, attn.data());
      layer.proj->apply(pool, attn.data(), n, h.data());
      k.add_f32(x.data(), h.data(), n * hidden, x.data());
      layer.ln_2->apply(x.data(), n, h.data());
      layer.fc->apply(pool, h.data(), n, mid.data());
      apply_activation(activation_, mid.data(), n * ffn);
      layer.fc_proj->apply(pool, mid.data(), n, h.data());
      k.add_f32(x.data(), h.data(), n * hidden, x.data());
    }
    last_token_logits(
        batch, x, hidden, [&](const float* row, float* out) { ln_f_->apply(row, 1, out); },
        *lm_head_, pool, logits);
  }

 private:
  ConvWeights weights_;  // owns the transposed Conv1D weights the Linears read
  tensor::TensorView wte_, wpe_;
  std::vector<Layer> layers_;
  std::unique_ptr<LayerNorm> ln_f_;
  std::unique_ptr<Linear> lm_head_;
  Activation activation_ = Activation::kGeluTanh;
};

}  // namespace

std::unique_ptr<CausalLM> build_gpt2(const formats::ModelConfig& config,
                                     const formats::WeightSource& source,
                                     const LoadOptions& options) {
  return std::make_unique<Gpt2>(config, source, options);
}

}  // namespace hfserve::models
