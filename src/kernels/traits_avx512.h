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
  static V broadcast(const float* p) { return _mm512_set1_ps(*p); }
  // rows[i][j] <-> rows[j][i]: pairs within 128-bit lanes, then fours, then the lanes.
  static void transpose(V (&rows)[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
    }
    // u[4g + j]: column 4k + j of rows 4g..4g+3 in lane k.
    for (int g = 0; g < 4; ++g) {
      u[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
      u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
      u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
      u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
    for (int j = 0; j < 4; ++j) {
      const __m512 even_lo = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88);
      const __m512 odd_lo = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
      const __m512 even_hi = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
      const __m512 odd_hi = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
      rows[j] = _mm512_shuffle_f32x4(even_lo, even_hi, 0x88);
      rows[8 + j] = _mm512_shuffle_f32x4(even_lo, even_hi, 0xDD);
      rows[4 + j] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88);
      rows[12 + j] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD);
    }
  }
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
