#include "models/layers/rope.h"

#include <algorithm>
#include <cmath>

#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::models {

Rope::Rope(const formats::ModelConfig& config, bool neox,
           const std::vector<float>& frequency_divisors)
    : head_dim_(static_cast<std::size_t>(config.head_dim)),
      rotary_dim_(static_cast<std::size_t>(config.rotary_dim.value_or(config.head_dim))),
      neox_(neox) {
  if (rotary_dim_ % 2 != 0 || rotary_dim_ > head_dim_ ||
      head_dim_ > tensor::PagedAttentionArgs::kMaxHeadDim) {
    throw Error(ErrorCode::kUnsupported, "rotary dimension " + std::to_string(rotary_dim_) +
                                             " with head_dim " + std::to_string(head_dim_) +
                                             " is not supported (even, at most 256)");
  }
  // inv_freq[i] = 1 / theta^(2i / d), with F32 arithmetic as torch does it.
  const float theta = static_cast<float>(config.rope_theta);
  const float dim = static_cast<float>(rotary_dim_);
  for (std::size_t i = 0; i < rotary_dim_ / 2; ++i) {
    inv_freq_.push_back(1.0f / std::pow(theta, static_cast<float>(2 * i) / dim));
  }
  if (!frequency_divisors.empty()) {
    if (frequency_divisors.size() != inv_freq_.size()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "rope_freqs.weight has " + std::to_string(frequency_divisors.size()) +
                      " values; the model rotates " + std::to_string(inv_freq_.size()) +
                      " frequencies");
    }
    for (std::size_t i = 0; i < inv_freq_.size(); ++i) inv_freq_[i] /= frequency_divisors[i];
  }
  if (!config.rope_scaling || config.rope_scaling->rope_type == "default") return;
  const formats::RopeScaling& scaling = *config.rope_scaling;
  const float factor = static_cast<float>(scaling.factor);
  if (scaling.rope_type == "linear") {
    for (float& f : inv_freq_) f /= factor;
  } else if (scaling.rope_type == "llama3") {
    // transformers' _compute_llama3_parameters: long wavelengths divided by the factor,
    // short ones kept, the band between blended.
    const float low = static_cast<float>(scaling.low_freq_factor.value_or(1.0));
    const float high = static_cast<float>(scaling.high_freq_factor.value_or(4.0));
    const float old_context =
        static_cast<float>(scaling.original_max_position_embeddings.value_or(8192));
    const float low_freq_wavelen = old_context / low;
    const float high_freq_wavelen = old_context / high;
    for (float& f : inv_freq_) {
      const float wavelen = 2.0f * static_cast<float>(M_PI) / f;
      if (wavelen > low_freq_wavelen) {
        f /= factor;
      } else if (!(wavelen < high_freq_wavelen)) {
        const float smooth = (old_context / wavelen - low) / (high - low);
        f = (1.0f - smooth) * f / factor + smooth * f;
      }
    }
  } else if (scaling.rope_type == "yarn") {
    set_yarn(scaling, config);
  } else {
    throw Error(ErrorCode::kUnsupported,
                "rope_scaling '" + scaling.rope_type +
                    "' is not implemented yet; supported: default, linear, llama3, yarn");
  }
}

// transformers' _compute_yarn_parameters: dimensions that turn fewer than beta_slow times
// over the original context are interpolated (divided by the factor), those that turn more
// than beta_fast times kept, a linear ramp between; the cos and sin are scaled by the
// attention factor. The correction range in double, the frequencies in F32, as there.
void Rope::set_yarn(const formats::RopeScaling& scaling, const formats::ModelConfig& config) {
  const double factor = scaling.factor;
  const auto get_mscale = [factor](double m) {
    return factor <= 1 ? 1.0 : 0.1 * m * std::log(factor) + 1.0;
  };
  if (scaling.attention_factor) {
    mscale_ = static_cast<float>(*scaling.attention_factor);
  } else if (scaling.mscale.value_or(0) != 0 && scaling.mscale_all_dim.value_or(0) != 0) {
    mscale_ = static_cast<float>(get_mscale(*scaling.mscale) / get_mscale(*scaling.mscale_all_dim));
  } else {
    mscale_ = static_cast<float>(get_mscale(1.0));
  }
  // Python's `get(...) or default`: an explicit 0 also takes the default.
  const double beta_fast = scaling.beta_fast.value_or(0) != 0 ? *scaling.beta_fast : 32.0;
  const double beta_slow = scaling.beta_slow.value_or(0) != 0 ? *scaling.beta_slow : 1.0;
  const auto original = static_cast<double>(
      scaling.original_max_position_embeddings.value_or(config.max_position_embeddings));
  const auto dim = static_cast<double>(rotary_dim_);
  const auto correction_dim = [&](double rotations) {
    return dim * std::log(original / (rotations * 2 * M_PI)) / (2 * std::log(config.rope_theta));
  };
  double low = correction_dim(beta_fast), high = correction_dim(beta_slow);
  if (scaling.truncate) low = std::floor(low), high = std::ceil(high);
  low = std::max(low, 0.0);
  high = std::min(high, dim - 1);
  if (low == high) high += 0.001;
  const float theta = static_cast<float>(config.rope_theta);
  for (std::size_t i = 0; i < inv_freq_.size(); ++i) {
    const float pos_freq = std::pow(theta, static_cast<float>(2 * i) / static_cast<float>(dim));
    const float interpolation = 1.0f / (static_cast<float>(factor) * pos_freq);
    const float ramp = std::clamp(
        (static_cast<float>(i) - static_cast<float>(low)) / static_cast<float>(high - low), 0.0f,
        1.0f);
    const float extrapolation_factor = 1.0f - ramp;
    inv_freq_[i] =
        interpolation * (1.0f - extrapolation_factor) + inv_freq_[i] * extrapolation_factor;
  }
}

void Rope::apply(float* x, std::size_t n_tokens, std::size_t n_heads,
                 const std::int32_t* positions) const {
  tensor::kernel_table().rope_f32(x, n_tokens, n_heads, head_dim_, rotary_dim_, positions,
                                  inv_freq_.data(), mscale_, neox_);
}

}  // namespace hfserve::models
