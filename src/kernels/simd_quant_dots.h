// Internal to kernels/: the dot policies (see quant_matmul.h) of the quantised weight
// types whose quants are unsigned, on 256-bit integer SIMD, written once over an ISA's
// primitives P:
//   static __m256i dot(__m256i u, __m256i s);
//     eight int32, lane i the sum of the products of unsigned bytes u[4i..4i+3] (below 64
//     here) with signed bytes s[4i..4i+3] (AVX2: maddubs then madd; VNNI: vpdpbusd);
//   static __m256i sixteen_where_bits(std::uint32_t bits);
//     byte j 16 where bit j is set, else 0 (Q5_0/Q5_1's fifth bits);
//   static __m256i sixteen_where_set(__m256i bytes, __m256i bit);
//     byte j 16 where bytes[j] & bit[j] is non-zero, else 0 (Q5_K's).
// The AVX2 forms of the last two are below (spread_bits_16, select_16); AVX-512 does each
// with a mask register.
// Every 32-value group of weights is unpacked into 32 unsigned quants in element order and
// multiplied with its activation block; a type's constant offset (-8, -16, -32) or
// per-group minimum is taken off through the activations' sum. Lanes 0-3 of a group's dot
// hold its first 16 values, which is how Q6_K's two scales per group are applied.
// Include only from files compiled for AVX2 or above; everything here has internal linkage.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/quant_matmul.h"
#include "kernels/traits_avx2.h"
#include "tensor/kernel_table.h"
#include "tensor/quant_blocks.h"

namespace hfserve::kernels::detail {
namespace {

inline float half_bits_to_float(std::uint16_t bits) { return _cvtsh_ss(bits); }

inline __m256i load_act(const tensor::BlockQ8Act& a) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs));
}

inline __m256i load_32_bytes(const std::uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// The 32 quants of a Q4/Q5 block's qs in element order: low nibbles (elements 0-15), then
// high.
inline __m256i unpack_nibbles(const std::uint8_t* qs) {
  __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  __m128i mask = _mm_set1_epi8(0x0F);
  __m128i low = _mm_and_si128(packed, mask);
  __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), mask);
  return _mm256_set_m128i(high, low);
}

inline std::uint32_t load_u32(const std::uint8_t* p) {
  std::uint32_t bits;
  std::memcpy(&bits, p, 4);
  return bits;
}

// AVX2's sixteen_where_set: compare, then keep 16.
inline __m256i select_16(__m256i bytes, __m256i bit) {
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
  return _mm256_and_si256(set, _mm256_set1_epi8(16));
}

// AVX2's sixteen_where_bits: byte j of the shuffle takes byte j / 8 of the bits, and the
// mask picks its bit j % 8.
inline __m256i spread_bits_16(std::uint32_t bits) {
  const __m256i spread =
      _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<std::int32_t>(bits)),
                          _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101,
                                             0x0202020202020202, 0x0303030303030303));
  return select_16(spread, _mm256_set1_epi64x(static_cast<std::int64_t>(0x8040201008040201)));
}

// Eight floats: factor times each byte of `bytes` (a K-quant block's scales or mins).
inline __m256 scaled_bytes(std::uint64_t bytes, float factor) {
  const __m256i wide = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(bytes)));
  return _mm256_mul_ps(_mm256_set1_ps(factor), _mm256_cvtepi32_ps(wide));
}

// Q4_0, Q4_1, Q5_0 and Q5_1: one block per group, x = d * q + m, where m is d times a
// constant (-8, -16) or the block's own m.
template <typename P, typename B>
struct SmallBlockDot {
  using Block = B;
  static constexpr bool kHasMin = requires(const B& b) { b.m; };
  static constexpr bool kFiveBits = requires(const B& b) { b.qh; };

  template <std::size_t kTile>
  static void dot_tile(const Block* row, const tensor::BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    constexpr float kOffset = kFiveBits ? -16.0f : -8.0f;
    __m256 acc[kTile];
    float offset[kTile];  // the sum over blocks of m * a.sum
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), offset[k] = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      __m256i q = unpack_nibbles(row[b].qs);
      if constexpr (kFiveBits) q = _mm256_or_si256(q, P::sixteen_where_bits(load_u32(row[b].qh)));
      const float d = half_bits_to_float(row[b].d);
      float m;
      if constexpr (kHasMin) {
        m = half_bits_to_float(row[b].m);
      } else {
        m = kOffset * d;
      }
      for (std::size_t k = 0; k < kTile; ++k) {
        const tensor::BlockQ8Act& a = xs[k][b];
        acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(d * a.d),
                                 _mm256_cvtepi32_ps(P::dot(q, load_act(a))), acc[k]);
        offset[k] += m * a.sum;
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) sums[k] = Avx2Traits::reduce_add(acc[k]) + offset[k];
  }
};

// Q4_K and Q5_K: super-blocks of 8 groups; group s has x = d * scale[s] * q - dmin *
// min[s], its low bits the nibble s % 2 of qs[(s / 2) * 32 ..] and (Q5_K) bit 4 bit s of
// qh.
template <typename P, typename B>
struct KQuantDot {
  using Block = B;
  static constexpr bool kFiveBits = requires(const B& b) { b.qh; };

  template <std::size_t kTile>
  static void dot_tile(const Block* row, const tensor::BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F);
    __m256 acc[kTile];
    float offset[kTile];  // the sum over groups of dmin * min * a.sum
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), offset[k] = 0;
    alignas(32) float group_scale[8], group_min[8];
    for (std::size_t sb = 0; sb < blocks / 8; ++sb) {
      const Block& b = row[sb];
      const tensor::K4Scales k4 = tensor::unpack_k4_scales(b.scales);
      _mm256_store_ps(group_scale, scaled_bytes(k4.scales, half_bits_to_float(b.d)));
      _mm256_store_ps(group_min, scaled_bytes(k4.mins, half_bits_to_float(b.dmin)));
      __m256i qh = _mm256_setzero_si256();
      if constexpr (kFiveBits) qh = load_32_bytes(b.qh);
      for (std::size_t pair = 0; pair < 4; ++pair) {
        const __m256i packed = load_32_bytes(b.qs + pair * 32);
        __m256i q[2] = {_mm256_and_si256(packed, low_mask),
                        _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_mask)};
        for (std::size_t i = 0; i < 2; ++i) {
          const std::size_t s = pair * 2 + i;
          if constexpr (kFiveBits) {
            const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << s));
            q[i] = _mm256_or_si256(q[i], P::sixteen_where_set(qh, bit));
          }
          for (std::size_t k = 0; k < kTile; ++k) {
            const tensor::BlockQ8Act& a = xs[k][sb * 8 + s];
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(group_scale[s] * a.d),
                                     _mm256_cvtepi32_ps(P::dot(q[i], load_act(a))), acc[k]);
            offset[k] += group_min[s] * a.sum;
          }
        }
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) sums[k] = Avx2Traits::reduce_add(acc[k]) - offset[k];
  }
};

// Q6_K: super-blocks of two halves of four groups; group t of half h takes nibble t / 2 of
// ql[h * 64 + (t % 2) * 32 ..] and bits 2t, 2t + 1 of qh[h * 32 ..]; x = d * scale * (q -
// 32), one signed scale per 16 values.
template <typename P>
struct Q6KDot {
  using Block = tensor::BlockQ6_K;

  template <std::size_t kTile>
  static void dot_tile(const Block* row, const tensor::BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(3);
    __m256 acc[kTile];
    float offset[kTile];  // the -32s: the sum over sub-blocks of 32 * d * scale * half sum
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), offset[k] = 0;
    for (std::size_t sb = 0; sb < blocks / 8; ++sb) {
      const Block& b = row[sb];
      const float d = half_bits_to_float(b.d);
      for (std::size_t h = 0; h < 2; ++h) {
        const __m256i qh = load_32_bytes(b.qh + h * 32);
        const __m256i ql[2] = {load_32_bytes(b.ql + h * 64), load_32_bytes(b.ql + h * 64 + 32)};
        for (std::size_t t = 0; t < 4; ++t) {
          const __m256i low =
              _mm256_and_si256(t < 2 ? ql[t % 2] : _mm256_srli_epi16(ql[t % 2], 4), low_mask);
          const __m256i high = _mm256_slli_epi16(
              _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(static_cast<int>(2 * t))),
                               two_bits),
              4);
          const __m256i q = _mm256_or_si256(low, high);
          const std::int8_t* scale = b.scales + h * 8 + 2 * t;
          const float scale0 = d * static_cast<float>(scale[0]);
          const float scale1 = d * static_cast<float>(scale[1]);
          const __m256 group_scale = _mm256_set_m128(_mm_set1_ps(scale1), _mm_set1_ps(scale0));
          for (std::size_t k = 0; k < kTile; ++k) {
            const tensor::BlockQ8Act& a = xs[k][sb * 8 + h * 4 + t];
            acc[k] = _mm256_fmadd_ps(_mm256_mul_ps(group_scale, _mm256_set1_ps(a.d)),
                                     _mm256_cvtepi32_ps(P::dot(q, load_act(a))), acc[k]);
            offset[k] += scale0 * a.half_sums[0] + scale1 * a.half_sums[1];
          }
        }
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) {
      sums[k] = Avx2Traits::reduce_add(acc[k]) - 32.0f * offset[k];
    }
  }
};

// Q2_K and Q3_K: super-blocks of two halves of four groups; group t of half h takes bits
// 2t, 2t + 1 of qs[h * 32 ..], and its two 16-value sub-blocks have their own scales.
// Q2_K: x = d * (scale & 15) * q - dmin * (scale >> 4); Q3_K: q plus 4 where bit 4h + t of
// hmask is set, x = d * (scale - 32) * (q - 4).
template <typename P, typename B>
struct LowBitKDot {
  using Block = B;
  static constexpr bool kThreeBits = requires(const B& b) { b.hmask; };

  template <std::size_t kTile>
  static void dot_tile(const Block* row, const tensor::BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    const __m256i two_bits = _mm256_set1_epi8(3);
    __m256 acc[kTile];
    // What comes off through the half sums: Q3_K's 4 * d * scale, Q2_K's dmin * min.
    float offset[kTile];
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps(), offset[k] = 0;
    float scale[16], minimum[16];
    for (std::size_t sb = 0; sb < blocks / 8; ++sb) {
      const Block& b = row[sb];
      const float d = half_bits_to_float(b.d);
      __m256i hmask = _mm256_setzero_si256();
      if constexpr (kThreeBits) {
        alignas(16) std::int8_t packed[16];
        tensor::unpack_k3_scales(b.scales, packed);
        const __m128i bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(packed));
        for (std::size_t half = 0; half < 2; ++half) {
          const __m256 widened = _mm256_mul_ps(
              _mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
                                     half == 0 ? bytes : _mm_unpackhi_epi64(bytes, bytes))));
          _mm256_storeu_ps(scale + 8 * half, widened);
          _mm256_storeu_ps(minimum + 8 * half, _mm256_mul_ps(_mm256_set1_ps(4.0f), widened));
        }
        hmask = load_32_bytes(b.hmask);
      } else {
        const float dmin = half_bits_to_float(b.dmin);
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
        const __m128i low = _mm_and_si128(bytes, _mm_set1_epi8(0x0F));
        const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0F));
        for (std::size_t half = 0; half < 2; ++half) {
          const auto widen = [half](__m128i v, float factor) {
            return _mm256_mul_ps(
                _mm256_set1_ps(factor),
                _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(half == 0 ? v : _mm_unpackhi_epi64(v, v))));
          };
          _mm256_storeu_ps(scale + 8 * half, widen(low, d));
          _mm256_storeu_ps(minimum + 8 * half, widen(high, dmin));
        }
      }
      for (std::size_t h = 0; h < 2; ++h) {
        const __m256i qs = load_32_bytes(b.qs + h * 32);
        for (std::size_t t = 0; t < 4; ++t) {
          const std::size_t g = h * 4 + t;
          __m256i q = _mm256_and_si256(
              _mm256_srl_epi16(qs, _mm_cvtsi32_si128(static_cast<int>(2 * t))), two_bits);
          if constexpr (kThreeBits) {
            const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << g));
            q = _mm256_or_si256(q, _mm256_srli_epi16(P::sixteen_where_set(hmask, bit), 2));
          }
          const __m256 group_scale =
              _mm256_set_m128(_mm_set1_ps(scale[2 * g + 1]), _mm_set1_ps(scale[2 * g]));
          for (std::size_t k = 0; k < kTile; ++k) {
            const tensor::BlockQ8Act& a = xs[k][sb * 8 + g];
            acc[k] = _mm256_fmadd_ps(_mm256_mul_ps(group_scale, _mm256_set1_ps(a.d)),
                                     _mm256_cvtepi32_ps(P::dot(q, load_act(a))), acc[k]);
            offset[k] += minimum[2 * g] * a.half_sums[0] + minimum[2 * g + 1] * a.half_sums[1];
          }
        }
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) sums[k] = Avx2Traits::reduce_add(acc[k]) - offset[k];
  }
};

// IQ4_NL: each nibble indexes the signed grid kIQ4NLValues (one byte shuffle); the signed
// weights multiply as Q8_0's do on AVX2, their magnitude against the activation carrying
// their sign.
template <typename P>
struct IQ4NLDot {
  using Block = tensor::BlockIQ4_NL;

  template <std::size_t kTile>
  static void dot_tile(const Block* row, const tensor::BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    const __m256i grid = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(tensor::kIQ4NLValues)));
    __m256 acc[kTile];
    for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm256_setzero_ps();
    for (std::size_t b = 0; b < blocks; ++b) {
      const __m256i w = _mm256_shuffle_epi8(grid, unpack_nibbles(row[b].qs));
      const __m256i magnitude = _mm256_sign_epi8(w, w);
      const float d = half_bits_to_float(row[b].d);
      for (std::size_t k = 0; k < kTile; ++k) {
        const tensor::BlockQ8Act& a = xs[k][b];
        const __m256i dot = P::dot(magnitude, _mm256_sign_epi8(load_act(a), w));
        acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(d * a.d), _mm256_cvtepi32_ps(dot), acc[k]);
      }
    }
    for (std::size_t k = 0; k < kTile; ++k) sums[k] = Avx2Traits::reduce_add(acc[k]);
  }
};

// The products of every type above, for one dot primitive.
template <typename P>
void fill_unsigned_quant_dots(tensor::KernelTable& table) {
  QuantMatmul<SmallBlockDot<P, tensor::BlockQ4_0>>::fill(table.q4_0);
  QuantMatmul<SmallBlockDot<P, tensor::BlockQ4_1>>::fill(table.q4_1);
  QuantMatmul<SmallBlockDot<P, tensor::BlockQ5_0>>::fill(table.q5_0);
  QuantMatmul<SmallBlockDot<P, tensor::BlockQ5_1>>::fill(table.q5_1);
  QuantMatmul<KQuantDot<P, tensor::BlockQ4_K>>::fill(table.q4_k);
  QuantMatmul<KQuantDot<P, tensor::BlockQ5_K>>::fill(table.q5_k);
  QuantMatmul<Q6KDot<P>>::fill(table.q6_k);
  QuantMatmul<LowBitKDot<P, tensor::BlockQ2_K>>::fill(table.q2_k);
  QuantMatmul<LowBitKDot<P, tensor::BlockQ3_K>>::fill(table.q3_k);
  QuantMatmul<IQ4NLDot<P>>::fill(table.iq4_nl);
}

}  // namespace
}  // namespace hfserve::kernels::detail
