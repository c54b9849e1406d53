// Internal to kernels/: the AVX512 register traits (see simd_f32_ops.h) and the float
// weight formats (see simd_float_matmul.h) for AVX512. Include only from *_avx512.cc files;
// everything here has internal linkage.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/simd_f32_ops.h"

namespace hfserve::kernels::detail {
namespace {

struct Avx512Traits {
  using V = __m512;
  static constexpr std::size_t kLanes = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float f) { return _mm512_set1_ps(f); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V abs(V v) { return _mm512_andnot_ps(_mm512_set1_ps(-0.0f), v); }
  static V copy_sign(V magnitude, V sign) {
    V sign_bit = _mm512_set1_ps(-0.0f);
    return _mm512_or_ps(_mm512_andnot_ps(sign_bit, magnitude), _mm512_and_ps(sign_bit, sign));
  }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V clamp(V v, float lo, float hi) {
    return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
  }
  static V round(V v) {
    return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static V pow2(V n) {
    __m512i bits =
        _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_castsi512_ps(bits);
  }
  static float reduce_add(V v) { return _mm512_reduce_add_ps(v); }
  static float reduce_max(V v) { return _mm512_reduce_max_ps(v); }
  static V exp(V x) { return cephes_exp<Avx512Traits>(x); }
};

struct F32Weights {
  using Weight = float;
  static __m512 load(const float* p) { return Avx512Traits::load(p); }
  static float widen(float w) { return w; }
};

struct F16Weights {
  using Weight = std::uint16_t;
  static __m512 load(const std::uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static float widen(std::uint16_t bits) { return _cvtsh_ss(bits); }
};

// BF16 bits are the top half of an F32.
struct BF16Weights {
  using Weight = std::uint16_t;
  static __m512 load(const std::uint16_t* p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(
        _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))), 16));
  }
  static float widen(std::uint16_t bits) {
    return _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128(static_cast<int>(bits) << 16)));
  }
};

}  // namespace
}  // namespace hfserve::kernels::detail
