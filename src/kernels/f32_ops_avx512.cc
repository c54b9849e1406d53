// The F32 vector ops and GEMV for AVX-512 F/BW/VL/DQ (16 floats per register).
#include <immintrin.h>

#include "kernels/simd_f32_ops.h"
#include "kernels/variants.h"

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

}  // namespace

void add_f32_ops_avx512(tensor::KernelTable& table) { SimdF32Ops<Avx512Traits>::fill(table); }

}  // namespace hfserve::kernels::detail
