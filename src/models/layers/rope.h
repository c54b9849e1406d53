// Rope: the rotary position embedding of a model, its frequencies computed once from the
// config as Hugging Face's ROPE_INIT_FUNCTIONS compute them (in F32): default, linear,
// llama3 and yarn scaling. apply() rotates the query or key heads of a batch in place through the
// rope_f32 kernel. Immutable after construction; any thread may call apply().
#pragma once

#include <cstdint>
#include <vector>

#include "formats/model_config.h"

namespace hfserve::models {

class Rope {
 public:
  // `neox`: rotate-half pairs (Hugging Face checkpoints, and GGUF files of the families
  // llama.cpp keeps in that order); otherwise interleaved pairs (llama.cpp's Llama GGUFs,
  // whose Q/K rows are in Meta's order). `frequency_divisors` (empty, or one per frequency)
  // is llama.cpp's rope_freqs tensor, the form its converter gives Llama 3.1's scaling in a
  // GGUF: each frequency is divided by its entry. Throws Error(kUnsupported) for a scaling
  // type not implemented here, Error(kInvalidArgument) for divisors of the wrong count.
  Rope(const formats::ModelConfig& config, bool neox,
       const std::vector<float>& frequency_divisors = {});

  // x: [n_tokens, n_heads, head_dim]; positions: [n_tokens].
  void apply(float* x, std::size_t n_tokens, std::size_t n_heads,
             const std::int32_t* positions) const;

  const std::vector<float>& inv_freq() const { return inv_freq_; }

 private:
  void set_yarn(const formats::RopeScaling& scaling, const formats::ModelConfig& config);

  std::vector<float> inv_freq_;
  std::size_t head_dim_ = 0;
  std::size_t rotary_dim_ = 0;
  float mscale_ = 1.0f;
  bool neox_ = true;
};

}  // namespace hfserve::models
