#include "models/layers/encoder_block.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::models {
namespace {

// Attention reads keys through the paged layout of tensor::PagedAttentionArgs: a sequence's
// K and V are copied into blocks of this many positions, numbered in order.
constexpr std::size_t kBlockSize = 16;

}  // namespace

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
                         std::size_t n) const {
  const tensor::KernelTable& k = tensor::kernel_table();
  const std::size_t hd = head_dim_;
  std::vector<float> q(n * hidden_), kk(n * hidden_), vv(n * hidden_), attn(n * hidden_);
  query_->apply(pool, x, n, q.data());
  key_->apply(pool, x, n, kk.data());
  value_->apply(pool, x, n, vv.data());

  std::size_t longest = 0;
  for (const EncoderSequence& s : sequences) longest = std::max(longest, s.n_tokens);
  const std::size_t blocks = (longest + kBlockSize - 1) / kBlockSize;
  std::vector<std::int32_t> block_table(blocks);
  std::iota(block_table.begin(), block_table.end(), 0);
  std::vector<float> k_cache(blocks * n_heads_ * kBlockSize * hd);
  std::vector<float> v_cache(k_cache.size());
  for (const EncoderSequence& s : sequences) {
    for (std::size_t pos = 0; pos < s.n_tokens; ++pos) {
      const std::size_t t = s.first_token + pos;
      for (std::size_t head = 0; head < n_heads_; ++head) {
        const std::size_t at =
            ((pos / kBlockSize * n_heads_ + head) * kBlockSize + pos % kBlockSize) * hd;
        std::memcpy(&k_cache[at], &kk[(t * n_heads_ + head) * hd], hd * sizeof(float));
        std::memcpy(&v_cache[at], &vv[(t * n_heads_ + head) * hd], hd * sizeof(float));
      }
    }
    tensor::PagedAttentionArgs args;
    args.q = &q[s.first_token * hidden_];
    args.out = &attn[s.first_token * hidden_];
    args.k_cache = k_cache.data();
    args.v_cache = v_cache.data();
    args.block_table = block_table.data();
    args.n_tokens = s.n_tokens;
    args.n_heads = n_heads_;
    args.n_kv_heads = n_heads_;
    args.head_dim = hd;
    args.block_size = kBlockSize;
    args.causal = false;
    args.scale = 1.0f / std::sqrt(static_cast<float>(hd));
    // One item reads the sequence's keys and values once: worth a thread past about 32K
    // floats, as in the decoders.
    const std::size_t per_item = s.n_tokens * hd;
    pool.parallel_for(
        s.n_tokens * n_heads_,
        [&](std::size_t begin, std::size_t end) { k.paged_attention_f32(args, begin, end); },
        std::max<std::size_t>(1, (std::size_t{1} << 15) / per_item));
  }
  attention_out_->apply(pool, attn.data(), n, q.data());
  k.add_f32(x, q.data(), n * hidden_, x);
  attention_norm_.apply(x, n, x);

  std::vector<float> up(n * intermediate_);
  up_->apply(pool, x, n, up.data());
  apply_activation(act_, up.data(), n, intermediate_);
  down_->apply(pool, up.data(), n, q.data());
  k.add_f32(x, q.data(), n * hidden_, x);
  output_norm_.apply(x, n, x);
}

}  // namespace hfserve::models
