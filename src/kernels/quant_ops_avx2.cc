// The activation quantiser and the quantised matrix products for AVX2: 32 int8 products
// per instruction pair (maddubs + madd), one float scale per 32-element group. Q8_0 is
// here; the types with unsigned quants are simd_quant_dots.h's over Avx2Dot.
#include <immintrin.h>

#include "kernels/quant_matmul.h"
#include "kernels/simd_quant_dots.h"
#include "kernels/traits_avx2.h"
#include "kernels/variants.h"
#include "tensor/quant_blocks.h"

namespace hfserve::kernels::detail {
namespace {

using tensor::BlockQ8_0;
using tensor::BlockQ8Act;

// The primitives of simd_quant_dots.h. dot: 32 products of unsigned bytes (below 64, or
// Q8_0's magnitudes up to 128) by signed bytes, summed in pairs then fours.
struct Avx2Dot {
  static __m256i dot(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
  }
  static __m256i sixteen_where_bits(std::uint32_t bits) { return spread_bits_16(bits); }
  static __m256i sixteen_where_set(__m256i bytes, __m256i bit) { return select_16(bytes, bit); }
};

// Rounds half away from zero exactly as std::round: trunc, then step out when the
// (exactly representable) remainder is at least one half.
__m256 round_half_away(__m256 v) {
  __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
  __m256 frac = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(v, t));
  __m256 step = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
                              _mm256_or_ps(_mm256_set1_ps(1.0f), sign));
  return _mm256_add_ps(t, step);
}

void quantize_act(const float* x, std::size_t n, BlockQ8Act* out) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  for (std::size_t b = 0; b < n / BlockQ8Act::kSize; ++b) {
    const float* v = x + b * BlockQ8Act::kSize;
    __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8);
    __m256 v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
    __m256 amax = _mm256_max_ps(
        _mm256_max_ps(_mm256_andnot_ps(sign_bit, v0), _mm256_andnot_ps(sign_bit, v1)),
        _mm256_max_ps(_mm256_andnot_ps(sign_bit, v2), _mm256_andnot_ps(sign_bit, v3)));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float d = _mm_cvtss_f32(m) / 127.0f;
    const __m256 id = _mm256_set1_ps(d != 0 ? 1.0f / d : 0.0f);
    __m256i i0 = _mm256_cvtps_epi32(round_half_away(_mm256_mul_ps(v0, id)));
    __m256i i1 = _mm256_cvtps_epi32(round_half_away(_mm256_mul_ps(v1, id)));
    __m256i i2 = _mm256_cvtps_epi32(round_half_away(_mm256_mul_ps(v2, id)));
    __m256i i3 = _mm256_cvtps_epi32(round_half_away(_mm256_mul_ps(v3, id)));
    // The two halves' sums: the first 16 values in the low four lanes, the rest above.
    const __m256i first_half = _mm256_add_epi32(i0, i1), second_half = _mm256_add_epi32(i2, i3);
    const __m256i halves =
        _mm256_add_epi32(_mm256_permute2x128_si256(first_half, second_half, 0x20),
                         _mm256_permute2x128_si256(first_half, second_half, 0x31));
    __m256i s = _mm256_hadd_epi32(halves, halves);
    s = _mm256_hadd_epi32(s, s);
    const std::int32_t first = _mm256_extract_epi32(s, 0), second = _mm256_extract_epi32(s, 4);
    // Packing works within 128-bit lanes; the permute puts the 32 bytes back in order.
    __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    packed = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].qs), packed);
    out[b].d = d;
    out[b].sum = d * static_cast<float>(first + second);
    out[b].half_sums[0] = d * static_cast<float>(first);
    out[b].half_sums[1] = d * static_cast<float>(second);
  }
}

// Each policy decodes a weight block once and multiplies it with the tile's kTile
// activation blocks; per-token accumulators stay in registers across the row.
struct DotQ8_0 {
  using Block = BlockQ8_0;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    __m256 acc[kTile];
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps();
    for (std::size_t b = 0; b < blocks; ++b) {
      __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row[b].qs));
      // signed x signed through maddubs: |w| times x with w's sign moved onto x.
      __m256i magnitude = _mm256_sign_epi8(wq, wq);
      const float dw = half_bits_to_float(row[b].d);
      for (std::size_t k = 0; k < kTile; ++k) {
        __m256 dot =
            _mm256_cvtepi32_ps(Avx2Dot::dot(magnitude, _mm256_sign_epi8(load_act(xs[k][b]), wq)));
        acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xs[k][b].d), dot, acc[k]);
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) sums[k] = Avx2Traits::reduce_add(acc[k]);
  }
};

}  // namespace

void add_quant_ops_avx2(tensor::KernelTable& table) {
  table.quantize_act_q8 = quantize_act;
  QuantMatmul<DotQ8_0>::fill(table.q8_0);
  fill_unsigned_quant_dots<Avx2Dot>(table);
}

}  // namespace hfserve::kernels::detail
