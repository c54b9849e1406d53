// Internal to kernels/: the F32 vector ops written once over a SIMD traits type
// (traits_avx2.h, traits_avx512.h). Include it only from
// a file compiled for that ISA, inside an anonymous namespace's reach: the traits have
// internal linkage, so every instantiation does too and no ISA code leaks into another
// translation unit through the linker's choice of an inline function.
//
// Traits provide: V (the register), kLanes, zero(), set1(f), load(p), store(p, v),
// add, sub, mul, div, fmadd(a, b, c) = a*b + c, max, abs, copy_sign(magnitude, sign),
// reduce_add(v), reduce_max(v), exp(v).
#pragma once

#include <cstddef>

#include "kernels/paged_attention.h"
#include "tensor/kernel_table.h"

namespace hfserve::kernels::detail {

template <typename T>
struct SimdF32Ops {
  using V = typename T::V;
  static constexpr std::size_t kLanes = T::kLanes;

  static void rms_norm(const float* x, const float* weight, float eps, std::size_t n, float* out) {
    V acc0 = T::zero(), acc1 = T::zero();
    std::size_t i = 0;
    for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
      V a = T::load(x + i), b = T::load(x + i + kLanes);
      acc0 = T::fmadd(a, a, acc0);
      acc1 = T::fmadd(b, b, acc1);
    }
    for (; i + kLanes <= n; i += kLanes) {
      V a = T::load(x + i);
      acc0 = T::fmadd(a, a, acc0);
    }
    float sum = T::reduce_add(T::add(acc0, acc1));
    for (; i < n; ++i) sum += x[i] * x[i];
    float scale = 1.0f / __builtin_sqrtf(sum / static_cast<float>(n) + eps);
    V vscale = T::set1(scale);
    i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      T::store(out + i, T::mul(T::mul(T::load(x + i), vscale), T::load(weight + i)));
    }
    for (; i < n; ++i) out[i] = x[i] * scale * weight[i];
  }

  static void layer_norm(const float* x, const float* weight, const float* bias, float eps,
                         std::size_t n, float* out) {
    V vsum = T::zero();
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) vsum = T::add(vsum, T::load(x + i));
    float sum = T::reduce_add(vsum);
    for (; i < n; ++i) sum += x[i];
    const float mean = sum / static_cast<float>(n);
    // Two passes (mean, then squared deviations) keep the variance exact for large means.
    V vmean = T::set1(mean), vsq = T::zero();
    for (i = 0; i + kLanes <= n; i += kLanes) {
      V d = T::sub(T::load(x + i), vmean);
      vsq = T::fmadd(d, d, vsq);
    }
    float sum_sq = T::reduce_add(vsq);
    for (; i < n; ++i) sum_sq += (x[i] - mean) * (x[i] - mean);
    const float inv_std = 1.0f / __builtin_sqrtf(sum_sq / static_cast<float>(n) + eps);
    V vinv = T::set1(inv_std);
    for (i = 0; i + kLanes <= n; i += kLanes) {
      V y = T::mul(T::mul(T::sub(T::load(x + i), vmean), vinv), T::load(weight + i));
      T::store(out + i, bias ? T::add(y, T::load(bias + i)) : y);
    }
    for (; i < n; ++i) out[i] = (x[i] - mean) * inv_std * weight[i] + (bias ? bias[i] : 0.0f);
  }

  // erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
  static V erf(V x) {
    V a = T::abs(x);
    V t = T::div(T::set1(1.0f), T::fmadd(T::set1(0.3275911f), a, T::set1(1.0f)));
    V p = T::set1(1.061405429f);
    p = T::fmadd(p, t, T::set1(-1.453152027f));
    p = T::fmadd(p, t, T::set1(1.421413741f));
    p = T::fmadd(p, t, T::set1(-0.284496736f));
    p = T::fmadd(p, t, T::set1(0.254829592f));
    p = T::mul(p, t);
    V e = T::exp(T::mul(T::mul(a, a), T::set1(-1.0f)));
    return T::copy_sign(T::sub(T::set1(1.0f), T::mul(p, e)), x);
  }

  static void gelu_erf(const float* x, std::size_t n, float* out) {
    V half = T::set1(0.5f), one = T::set1(1.0f), inv_sqrt2 = T::set1(0.70710678f);
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      V v = T::load(x + i);
      T::store(out + i, T::mul(T::mul(half, v), T::add(one, erf(T::mul(v, inv_sqrt2)))));
    }
    for (; i < n; ++i) out[i] = 0.5f * x[i] * (1.0f + __builtin_erff(x[i] * 0.70710678f));
  }

  // tanh(u) = 1 - 2 / (exp(2u) + 1), which saturates cleanly at both ends.
  static void gelu_tanh(const float* x, std::size_t n, float* out) {
    V half = T::set1(0.5f), one = T::set1(1.0f), two = T::set1(2.0f);
    V c = T::set1(0.7978845608f), k = T::set1(0.044715f);
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      V v = T::load(x + i);
      V u = T::mul(c, T::fmadd(T::mul(k, v), T::mul(v, v), v));
      V tanh_u = T::sub(one, T::div(two, T::add(T::exp(T::mul(two, u)), one)));
      T::store(out + i, T::mul(T::mul(half, v), T::add(one, tanh_u)));
    }
    for (; i < n; ++i) {
      float v = x[i];
      out[i] = 0.5f * v * (1.0f + __builtin_tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
    }
  }

  static void softmax(float* x, std::size_t n) {
    float max = x[0];
    std::size_t i = 0;
    if (n >= kLanes) {
      V vmax = T::load(x);
      for (i = kLanes; i + kLanes <= n; i += kLanes) vmax = T::max(vmax, T::load(x + i));
      max = T::reduce_max(vmax);
    }
    for (; i < n; ++i) max = x[i] > max ? x[i] : max;
    V vneg_max = T::set1(-max);
    V vsum = T::zero();
    for (i = 0; i + kLanes <= n; i += kLanes) {
      V e = T::exp(T::add(T::load(x + i), vneg_max));
      T::store(x + i, e);
      vsum = T::add(vsum, e);
    }
    float sum = T::reduce_add(vsum);
    for (; i < n; ++i) {
      x[i] = __builtin_expf(x[i] - max);
      sum += x[i];
    }
    float inv = 1.0f / sum;
    V vinv = T::set1(inv);
    for (i = 0; i + kLanes <= n; i += kLanes) T::store(x + i, T::mul(T::load(x + i), vinv));
    for (; i < n; ++i) x[i] *= inv;
  }

  static void silu_mul(const float* gate, const float* up, std::size_t n, float* out) {
    V one = T::set1(1.0f);
    V minus_one = T::set1(-1.0f);
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      V g = T::load(gate + i);
      V sigmoid_denominator = T::add(one, T::exp(T::mul(g, minus_one)));
      T::store(out + i, T::mul(T::div(g, sigmoid_denominator), T::load(up + i)));
    }
    for (; i < n; ++i) out[i] = gate[i] / (1.0f + __builtin_expf(-gate[i])) * up[i];
  }

  static void add(const float* a, const float* b, std::size_t n, float* out) {
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) T::store(out + i, T::add(T::load(a + i), T::load(b + i)));
    for (; i < n; ++i) out[i] = a[i] + b[i];
  }

  // The vector math paged_attention needs, over one head's dimension.
  struct Math {
    static float dot(const float* a, const float* b, std::size_t n) {
      V acc0 = T::zero(), acc1 = T::zero();
      std::size_t i = 0;
      for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
        acc0 = T::fmadd(T::load(a + i), T::load(b + i), acc0);
        acc1 = T::fmadd(T::load(a + i + kLanes), T::load(b + i + kLanes), acc1);
      }
      for (; i + kLanes <= n; i += kLanes) acc0 = T::fmadd(T::load(a + i), T::load(b + i), acc0);
      float sum = T::reduce_add(T::add(acc0, acc1));
      for (; i < n; ++i) sum += a[i] * b[i];
      return sum;
    }
    static void scale(float* acc, float c, std::size_t n) {
      V vc = T::set1(c);
      std::size_t i = 0;
      for (; i + kLanes <= n; i += kLanes) T::store(acc + i, T::mul(T::load(acc + i), vc));
      for (; i < n; ++i) acc[i] *= c;
    }
    static void axpy(float* acc, float p, const float* v, std::size_t n) {
      V vp = T::set1(p);
      std::size_t i = 0;
      for (; i + kLanes <= n; i += kLanes) {
        T::store(acc + i, T::fmadd(vp, T::load(v + i), T::load(acc + i)));
      }
      for (; i < n; ++i) acc[i] += p * v[i];
    }
  };

  static void fill(tensor::KernelTable& table) {
    table.rms_norm_f32 = rms_norm;
    table.layer_norm_f32 = layer_norm;
    table.softmax_f32 = softmax;
    table.gelu_erf_f32 = gelu_erf;
    table.gelu_tanh_f32 = gelu_tanh;
    table.silu_mul_f32 = silu_mul;
    table.add_f32 = add;
    table.paged_attention_f32 = paged_attention<Math>;
  }
};

// exp(x) for a register of floats, the Cephes single-precision method: x = n ln2 + r with
// |r| <= ln2/2, e^r by a degree-6 polynomial, 2^n by building the exponent bits. Relative
// error about 2e-7 over the clamped range [-87.3, 88.3] (below it returns ~1e-38, not 0).
// T must also provide round(v) (to nearest), pow2(n) (2^n for integral n in [-127, 128],
// by placing n + 127 in the exponent bits) and clamp(v, lo, hi).
template <typename T>
typename T::V cephes_exp(typename T::V x) {
  using V = typename T::V;
  x = T::clamp(x, -87.3f, 88.3f);
  V n = T::round(T::mul(x, T::set1(1.44269504088896341f)));
  V r = T::fmadd(n, T::set1(-0.693359375f), x);
  r = T::fmadd(n, T::set1(2.12194440e-4f), r);
  V p = T::set1(1.9875691500e-4f);
  p = T::fmadd(p, r, T::set1(1.3981999507e-3f));
  p = T::fmadd(p, r, T::set1(8.3334519073e-3f));
  p = T::fmadd(p, r, T::set1(4.1665795894e-2f));
  p = T::fmadd(p, r, T::set1(1.6666665459e-1f));
  p = T::fmadd(p, r, T::set1(5.0000001201e-1f));
  V r2 = T::mul(r, r);
  V e = T::add(T::fmadd(p, r2, r), T::set1(1.0f));
  return T::mul(e, T::pow2(n));
}

}  // namespace hfserve::kernels::detail
