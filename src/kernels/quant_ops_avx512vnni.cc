// The quantised matrix products for AVX-512 VNNI (on 256-bit registers, AVX512_VL): one
// vpdpbusd multiplies 32 unsigned by signed bytes and sums them in fours into eight int32,
// where AVX2 needs sign, sign, maddubs and madd. vpdpbusd's first operand is unsigned:
// Q4 quants are (0..15) already; a Q8_0 weight w becomes w + 128 (w ^ 0x80), and the extra
// 128 * sum(a) per block is taken off with the activation block's qsum.
// The activation quantiser stays the AVX2 one.
#include <immintrin.h>

#include "kernels/quant_matmul.h"
#include "kernels/traits_avx2.h"
#include "kernels/variants.h"
#include "tensor/quant_blocks.h"

namespace hfserve::kernels::detail {
namespace {

using tensor::BlockQ4_0;
using tensor::BlockQ4_1;
using tensor::BlockQ8_0;
using tensor::BlockQ8Act;

float half_to_float(std::uint16_t bits) { return _cvtsh_ss(bits); }

// Eight int32 partial dot products of 32 unsigned by 32 signed bytes, as floats.
__m256 dot_u8_i8(__m256i u, const BlockQ8Act& a) {
  const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs));
  return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s));
}

// The 32 quants of a Q4 block in element order: low nibbles (elements 0-15), then high.
__m256i unpack_nibbles(const std::uint8_t* qs) {
  __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  __m128i mask = _mm_set1_epi8(0x0F);
  __m128i low = _mm_and_si128(packed, mask);
  __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), mask);
  return _mm256_set_m128i(high, low);
}

struct DotQ8_0 {
  using Block = BlockQ8_0;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    __m256 acc[kTile];
    float offset[kTile];  // 128 * d * da * sum(a), taken off at the end
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), offset[k] = 0;
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    for (std::size_t b = 0; b < blocks; ++b) {
      const __m256i wu =
          _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row[b].qs)), flip);
      const float dw = half_to_float(row[b].d);
      for (std::size_t k = 0; k < kTile; ++k) {
        const float scale = dw * xs[k][b].d;
        acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(scale), dot_u8_i8(wu, xs[k][b]), acc[k]);
        offset[k] += scale * static_cast<float>(xs[k][b].qsum);
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) {
      sums[k] = Avx2Traits::reduce_add(acc[k]) - 128.0f * offset[k];
    }
  }
};

struct DotQ4_0 {
  using Block = BlockQ4_0;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    __m256 acc[kTile];
    float bias[kTile];  // the -8 of every quant: -8 * d * da * sum(a)
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), bias[k] = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      const __m256i wq = unpack_nibbles(row[b].qs);
      const float dw = half_to_float(row[b].d);
      for (std::size_t k = 0; k < kTile; ++k) {
        const float scale = dw * xs[k][b].d;
        acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(scale), dot_u8_i8(wq, xs[k][b]), acc[k]);
        bias[k] -= 8.0f * scale * static_cast<float>(xs[k][b].qsum);
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) sums[k] = Avx2Traits::reduce_add(acc[k]) + bias[k];
  }
};

struct DotQ4_1 {
  using Block = BlockQ4_1;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    __m256 acc[kTile];
    float offset[kTile];  // m * da * sum(a)
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), offset[k] = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      const __m256i wq = unpack_nibbles(row[b].qs);
      const float dw = half_to_float(row[b].d), mw = half_to_float(row[b].m);
      for (std::size_t k = 0; k < kTile; ++k) {
        acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xs[k][b].d), dot_u8_i8(wq, xs[k][b]), acc[k]);
        offset[k] += mw * xs[k][b].d * static_cast<float>(xs[k][b].qsum);
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) sums[k] = Avx2Traits::reduce_add(acc[k]) + offset[k];
  }
};

}  // namespace

void add_quant_ops_avx512vnni(tensor::KernelTable& table) {
  QuantMatmul<DotQ8_0>::fill(table.gemv_q8_0, table.gemm_q8_0);
  QuantMatmul<DotQ4_0>::fill(table.gemv_q4_0, table.gemm_q4_0);
  QuantMatmul<DotQ4_1>::fill(table.gemv_q4_1, table.gemm_q4_1);
}

}  // namespace hfserve::kernels::detail
