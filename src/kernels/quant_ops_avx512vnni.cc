// The quantised matrix products for AVX-512 VNNI (on 256-bit registers, AVX512_VL): one
// vpdpbusd multiplies 32 unsigned by signed bytes and sums them in fours into eight int32,
// where AVX2 needs sign, sign, maddubs and madd. vpdpbusd's first operand is unsigned:
// the types with unsigned quants (simd_quant_dots.h over VnniDot) use them as they are; a
// Q8_0 weight w becomes w + 128 (w ^ 0x80), and the extra 128 * sum(a) per block is taken
// off with the activation block's sum.
// The activation quantiser stays the AVX2 one.
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

// The primitives of simd_quant_dots.h: one vpdpbusd, and bytes picked by a mask register.
struct VnniDot {
  static __m256i dot(__m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
  }
  static __m256i sixteen_where_bits(std::uint32_t bits) {
    return _mm256_maskz_mov_epi8(_cvtu32_mask32(bits), _mm256_set1_epi8(16));
  }
  static __m256i sixteen_where_set(__m256i bytes, __m256i bit) {
    return _mm256_maskz_mov_epi8(_mm256_test_epi8_mask(bytes, bit), _mm256_set1_epi8(16));
  }
};

struct DotQ8_0 {
  using Block = BlockQ8_0;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    __m256 acc[kTile];
    float offset[kTile];  // 128 * d * da * sum(qa) = 128 * d * a.sum, taken off at the end
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), offset[k] = 0;
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    for (std::size_t b = 0; b < blocks; ++b) {
      const __m256i wu =
          _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row[b].qs)), flip);
      const float dw = half_bits_to_float(row[b].d);
      for (std::size_t k = 0; k < kTile; ++k) {
        acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xs[k][b].d),
                                 _mm256_cvtepi32_ps(VnniDot::dot(wu, load_act(xs[k][b]))), acc[k]);
        offset[k] += dw * xs[k][b].sum;
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) {
      sums[k] = Avx2Traits::reduce_add(acc[k]) - 128.0f * offset[k];
    }
  }
};

}  // namespace

void add_quant_ops_avx512vnni(tensor::KernelTable& table) {
  QuantMatmul<DotQ8_0>::fill(table.q8_0);
  fill_unsigned_quant_dots<VnniDot>(table);
}

}  // namespace hfserve::kernels::detail
