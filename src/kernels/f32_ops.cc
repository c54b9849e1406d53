// The portable reference for the F32 vector ops and GEMV: plain loops the compiler may
// vectorise for the baseline ISA only. Every SIMD variant is tested against these.
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

void gemv(const float* w, std::size_t row_stride, std::size_t cols, const float* x,
          std::size_t row_begin, std::size_t row_end, float* y) {
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const float* row = w + r * row_stride;
    float sum = 0;
    for (std::size_t c = 0; c < cols; ++c) sum += row[c] * x[c];
    y[r] = sum;
  }
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
  table.softmax_f32 = softmax;
  table.silu_mul_f32 = silu_mul;
  table.add_f32 = add;
  table.gemv_f32 = gemv;
  table.paged_attention_f32 = paged_attention<ScalarMath>;
}

}  // namespace hfserve::kernels::detail
