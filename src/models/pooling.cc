#include "models/pooling.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace hfserve::models {

std::size_t pooled_size(const formats::PoolingConfig& pooling, std::size_t hidden_size) {
  return pooling.modes() * hidden_size;
}

void pool(const formats::PoolingConfig& pooling, const float* hidden, std::size_t n_tokens,
          std::size_t hidden_size, float* out) {
  const std::size_t d = hidden_size;
  auto row = [&](std::size_t t) { return hidden + t * d; };
  if (pooling.cls_token) {
    std::memcpy(out, row(0), d * sizeof(float));
    out += d;
  }
  if (pooling.max_tokens) {
    std::memcpy(out, row(0), d * sizeof(float));
    for (std::size_t t = 1; t < n_tokens; ++t) {
      for (std::size_t i = 0; i < d; ++i) out[i] = std::max(out[i], row(t)[i]);
    }
    out += d;
  }
  if (pooling.mean_tokens || pooling.mean_sqrt_len_tokens) {
    // Summed in double: a long input's mean does not drift with the order of the sum.
    std::vector<double> sum(d, 0.0);
    for (std::size_t t = 0; t < n_tokens; ++t) {
      for (std::size_t i = 0; i < d; ++i) sum[i] += row(t)[i];
    }
    const double count = static_cast<double>(n_tokens);
    if (pooling.mean_tokens) {
      for (std::size_t i = 0; i < d; ++i) out[i] = static_cast<float>(sum[i] / count);
      out += d;
    }
    if (pooling.mean_sqrt_len_tokens) {
      for (std::size_t i = 0; i < d; ++i) out[i] = static_cast<float>(sum[i] / std::sqrt(count));
      out += d;
    }
  }
  if (pooling.weightedmean_tokens) {
    std::vector<double> sum(d, 0.0);
    double weights = 0;
    for (std::size_t t = 0; t < n_tokens; ++t) {
      const double w = static_cast<double>(t + 1);
      weights += w;
      for (std::size_t i = 0; i < d; ++i) sum[i] += w * row(t)[i];
    }
    for (std::size_t i = 0; i < d; ++i) out[i] = static_cast<float>(sum[i] / weights);
    out += d;
  }
  if (pooling.lasttoken) {
    std::memcpy(out, row(n_tokens - 1), d * sizeof(float));
  }
}

void l2_normalize(float* x, std::size_t n) {
  double squares = 0;
  for (std::size_t i = 0; i < n; ++i) squares += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::max(std::sqrt(squares), 1e-12));
  for (std::size_t i = 0; i < n; ++i) x[i] *= scale;
}

}  // namespace hfserve::models
