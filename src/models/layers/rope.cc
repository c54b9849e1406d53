#include "models/layers/rope.h"

#include <cmath>

#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::models {

Rope::Rope(const formats::ModelConfig& config, bool neox)
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
  } else {
    throw Error(ErrorCode::kUnsupported,
                "rope_scaling '" + scaling.rope_type +
                    "' is not implemented yet; supported: default, linear, llama3");
  }
}

void Rope::apply(float* x, std::size_t n_tokens, std::size_t n_heads,
                 const std::int32_t* positions) const {
  tensor::kernel_table().rope_f32(x, n_tokens, n_heads, head_dim_, rotary_dim_, positions,
                                  inv_freq_.data(), mscale_, neox_);
}

}  // namespace hfserve::models
