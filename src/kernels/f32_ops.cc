// The portable reference for the F32 vector ops: plain loops the compiler may vectorise
// for the baseline ISA only. Every SIMD variant is tested against these.
#include <cmath>

#include "kernels/paged_attention.h"
#include "kernels/variants.h"

namespace hfserve::kernels::detail {
namespace {

void rms_norm(const float* x, const float* weight, float eps, std::size_t n, float* out) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  for (std::size_t i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

void layer_norm(const float* x, const float* weight, const float* bias, float eps, std::size_t n,
                float* out) {
  double sum = 0, sum_sq = 0;
  for (std::size_t i = 0; i < n; ++i) sum += x[i];
  double mean = sum / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) sum_sq += (x[i] - mean) * (x[i] - mean);
  float inv_std = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(n) + eps));
  float mean_f = static_cast<float>(mean);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = (x[i] - mean_f) * inv_std * weight[i] + (bias ? bias[i] : 0.0f);
  }
}

void gelu_erf(const float* x, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678f));
}

void gelu_tanh(const float* x, std::size_t n, float* out) {
  constexpr float kSqrt2OverPi = 0.7978845608f;
  for (std::size_t i = 0; i < n; ++i) {
    float v = x[i];
    out[i] = 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
  }
}

// Not specialised per ISA: it touches each activation once, next to a matmul that reads
// every weight, and its angles must be computed exactly as Hugging Face does (F32 product,
// then cos/sin).
void rope(float* x, std::size_t n_tokens, std::size_t n_heads, std::size_t head_dim,
          std::size_t rotary_dim, const std::int32_t* positions, const float* inv_freq,
          float mscale, bool neox) {
  const std::size_t half = rotary_dim / 2;
  float cos_table[tensor::PagedAttentionArgs::kMaxHeadDim / 2];
  float sin_table[tensor::PagedAttentionArgs::kMaxHeadDim / 2];
  for (std::size_t t = 0; t < n_tokens; ++t) {
    for (std::size_t i = 0; i < half; ++i) {
      float angle = static_cast<float>(positions[t]) * inv_freq[i];
      cos_table[i] = std::cos(angle) * mscale;
      sin_table[i] = std::sin(angle) * mscale;
    }
    for (std::size_t h = 0; h < n_heads; ++h) {
      float* row = x + (t * n_heads + h) * head_dim;
      for (std::size_t i = 0; i < half; ++i) {
        std::size_t a = neox ? i : 2 * i;
        std::size_t b = neox ? i + half : 2 * i + 1;
        float x0 = row[a], x1 = row[b];
        row[a] = x0 * cos_table[i] - x1 * sin_table[i];
        row[b] = x1 * cos_table[i] + x0 * sin_table[i];
      }
    }
  }
}

void softmax(float* x, std::size_t n) {
  float max = x[0];
  for (std::size_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  float inv = static_cast<float>(1.0 / sum);
  for (std::size_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(const float* gate, const float* up, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void add(const float* a, const float* b, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

struct ScalarMath {
  static float dot(const float* a, const float* b, std::size_t n) {
    float sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
  }
  static void scale(float* acc, float c, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) acc[i] *= c;
  }
  static void axpy(float* acc, float p, const float* v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) acc[i] += p * v[i];
  }
};

}  // namespace

void add_f32_ops_scalar(tensor::KernelTable& table) {
  table.rms_norm_f32 = rms_norm;
  table.layer_norm_f32 = layer_norm;
  table.softmax_f32 = softmax;
  table.gelu_erf_f32 = gelu_erf;
  table.gelu_tanh_f32 = gelu_tanh;
  table.rope_f32 = rope;
  table.silu_mul_f32 = silu_mul;
  table.add_f32 = add;
  table.paged_attention_f32 = paged_attention<ScalarMath>;
}

}  // namespace hfserve::kernels::detail
