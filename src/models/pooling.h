// Sentence-transformers pooling: one sequence's token states become one vector, as its
// Pooling and Normalize modules compute them (formats/sentence_transformers.h says which
// modes a model uses). Pure functions; any thread may call them.
#pragma once

#include <cstddef>

#include "formats/sentence_transformers.h"

namespace hfserve::models {

// The pooled vector's length: hidden_size per mode that is on.
std::size_t pooled_size(const formats::PoolingConfig& pooling, std::size_t hidden_size);

// hidden: [n_tokens, hidden_size] (n_tokens >= 1), every token counted (no padding);
// out: [pooled_size]. Modes concatenated in sentence-transformers' order: cls, max, mean,
// mean_sqrt_len, weighted mean (token i weighs i + 1), last token.
void pool(const formats::PoolingConfig& pooling, const float* hidden, std::size_t n_tokens,
          std::size_t hidden_size, float* out);

// x /= max(||x||_2, 1e-12), as torch.nn.functional.normalize (the Normalize module).
void l2_normalize(float* x, std::size_t n);

}  // namespace hfserve::models
