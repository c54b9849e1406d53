// GEMV with 16-bit float weights for AVX2: eight weights widened per instruction (F16C's
// vcvtph2ps for F16; a 16-bit shift for BF16, whose bits are the top half of an F32).
#include <immintrin.h>

#include "kernels/variants.h"

namespace hfserve::kernels::detail {
namespace {

struct F16 {
  static __m256 load(const std::uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static float widen(std::uint16_t bits) { return _cvtsh_ss(bits); }
};

struct BF16 {
  static __m256 load(const std::uint16_t* p) {
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float widen(std::uint16_t bits) {
    return _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128(static_cast<int>(bits) << 16)));
  }
};

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Four independent accumulators hide the FMA latency; each row is streamed once.
template <typename Format>
void gemv(const std::uint16_t* w, std::size_t row_stride, std::size_t cols, const float* x,
          std::size_t row_begin, std::size_t row_end, float* y) {
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const std::uint16_t* row = w + r * row_stride;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    std::size_t c = 0;
    for (; c + 32 <= cols; c += 32) {
      acc0 = _mm256_fmadd_ps(Format::load(row + c), _mm256_loadu_ps(x + c), acc0);
      acc1 = _mm256_fmadd_ps(Format::load(row + c + 8), _mm256_loadu_ps(x + c + 8), acc1);
      acc2 = _mm256_fmadd_ps(Format::load(row + c + 16), _mm256_loadu_ps(x + c + 16), acc2);
      acc3 = _mm256_fmadd_ps(Format::load(row + c + 24), _mm256_loadu_ps(x + c + 24), acc3);
    }
    for (; c + 8 <= cols; c += 8) {
      acc0 = _mm256_fmadd_ps(Format::load(row + c), _mm256_loadu_ps(x + c), acc0);
    }
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; c < cols; ++c) sum += Format::widen(row[c]) * x[c];
    y[r] = sum;
  }
}

}  // namespace

void add_half_ops_avx2(tensor::KernelTable& table) {
  table.gemv_f16 = gemv<F16>;
  table.gemv_bf16 = gemv<BF16>;
}

}  // namespace hfserve::kernels::detail
