// Q8_0 and Q4_0 weights repacked at load for AVX-512 VNNI: sixteen rows side by side, so
// that one 512-bit vpdpbusd multiplies four columns of all sixteen rows by the same four
// activation bytes (broadcast from memory) and its sixteen int32 lanes are sixteen rows'
// partial sums. A block's dot products for sixteen rows then need no horizontal sum, the
// weights are decoded once per block for every token of a tile, and each token's sixteen
// results are one contiguous store. The row-at-a-time kernels (quant_ops_avx512vnni.cc,
// simd_quant_dots.h) spend most of a batch in horizontal sums and per-row scale handling;
// this layout is what brings prompt processing and many-stream decoding towards the
// compute roofline.
//
// Layout of one group of 16 rows: for each 32-column block, the 16 rows' F16 scales (32
// bytes), then the quants as vpdpbusd's unsigned operand wants them, in 4-byte lanes, one
// per row:
// - Q8_0: 8 chunks of 64 bytes, chunk j holding columns 4j..4j+3 of each row, each quant
//   stored as w + 128 (w ^ 0x80);
// - Q4_0: 4 chunks of 64 bytes, chunk j holding the row's bytes 4j..4j+3 as stored: their
//   low nibbles are columns 4j..4j+3, their high nibbles columns 16+4j..16+4j+3.
// A group is exactly as large as its 16 rows were. The quants' offset (128, or Q4_0's 8)
// times sum(a) comes off with the activation block's sum, in the FMA that scales the block.
//
// Q4_K, per 256-column super-block of a group: the 16 rows' d then dmin (F16, 32 bytes
// each); the eight 6-bit sub-block scales and mins unpacked to bytes, sub-block j's 16
// scales then its 16 mins (256 bytes); then the quants in Q4_0's way per 64 columns: four
// runs of 8 chunks of 64 bytes, chunk c of run i holding each row's bytes 32i + 4c..+3
// (low nibbles: sub-block 2i's columns 4c..4c+3; high nibbles: sub-block 2i + 1's). That is
// 2368 bytes for the 2304 the rows took, 2.8% more: unpacking the scales once here saves
// doing it for every tile of tokens. Each sub-block adds d * scale * da * dot and takes off
// dmin * min * sum(a).
// Every token goes through the same operations whatever the tile, so one token alone and
// the same token in a batch give the same bits.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/variants.h"
#include "tensor/quant_blocks.h"

namespace hfserve::kernels::detail {
namespace {

using tensor::BlockQ8Act;

constexpr std::size_t kGroup = 16;       // rows per group
constexpr std::size_t kChunks = 8;       // 4-column chunks per 32-column block
constexpr std::size_t kScaleBytes = 32;  // 16 F16 scales
constexpr std::size_t kMaxTile = 8;      // tokens per pass over a group's weights

struct PackedQ8_0 {
  using Block = tensor::BlockQ8_0;
  static constexpr std::size_t kQuantBytes = kChunks * 64;
  static constexpr float kOffset = 128;

  static void pack(const Block& block, std::size_t row, std::uint8_t* quants) {
    for (std::size_t j = 0; j < kChunks; ++j) {
      for (std::size_t c = 0; c < 4; ++c) {
        quants[j * 64 + row * 4 + c] = static_cast<std::uint8_t>(block.qs[4 * j + c]) ^ 0x80;
      }
    }
  }
  static void load(const std::uint8_t* quants, __m512i (&wq)[kChunks]) {
    for (std::size_t j = 0; j < kChunks; ++j) wq[j] = _mm512_loadu_si512(quants + j * 64);
  }
};

struct PackedQ4_0 {
  using Block = tensor::BlockQ4_0;
  static constexpr std::size_t kQuantBytes = kChunks / 2 * 64;
  static constexpr float kOffset = 8;

  static void pack(const Block& block, std::size_t row, std::uint8_t* quants) {
    for (std::size_t j = 0; j < kChunks / 2; ++j) {
      std::memcpy(quants + j * 64 + row * 4, block.qs + 4 * j, 4);
    }
  }
  static void load(const std::uint8_t* quants, __m512i (&wq)[kChunks]) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    for (std::size_t j = 0; j < kChunks / 2; ++j) {
      const __m512i bytes = _mm512_loadu_si512(quants + j * 64);
      wq[j] = _mm512_and_si512(bytes, low);
      wq[j + kChunks / 2] = _mm512_and_si512(_mm512_srli_epi16(bytes, 4), low);
    }
  }
};

template <typename P>
constexpr std::size_t kBlockBytes = kScaleBytes + P::kQuantBytes;

constexpr std::size_t kQ4KBlockBytes = 2 * kScaleBytes + 2 * 8 * kGroup + 4 * kChunks * 64;

template <typename P>
void pack_rows(const void* w, std::size_t row_bytes, std::size_t rows, std::size_t cols,
               void* out) {
  static_assert(kBlockBytes<P> == kGroup * sizeof(typename P::Block));
  const std::size_t blocks = cols / 32;
  auto* dst = static_cast<std::uint8_t*>(out);
  for (std::size_t g = 0; g < rows / kGroup; ++g) {
    for (std::size_t b = 0; b < blocks; ++b) {
      std::uint8_t* block = dst + (g * blocks + b) * kBlockBytes<P>;
      for (std::size_t i = 0; i < kGroup; ++i) {
        const auto* row = reinterpret_cast<const typename P::Block*>(static_cast<const char*>(w) +
                                                                     (g * kGroup + i) * row_bytes);
        std::memcpy(block + 2 * i, &row[b].d, 2);
        P::pack(row[b], i, block + kScaleBytes);
      }
    }
  }
}

// Tokens [t0, t0 + kTile) of one group: y[t * y_stride + row0 + i] for its 16 rows i.
template <typename P, std::size_t kTile>
void group_tile(const std::uint8_t* group, std::size_t blocks, const BlockQ8Act* x, std::size_t t0,
                float* y, std::size_t y_stride, std::size_t row0) {
  __m512 acc[kTile];
  for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm512_setzero_ps();
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::uint8_t* block = group + b * kBlockBytes<P>;
    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block)));
    __m512i wq[kChunks];
    P::load(block + kScaleBytes, wq);
    for (std::size_t k = 0; k < kTile; ++k) {
      const BlockQ8Act& a = x[(t0 + k) * blocks + b];
      __m512i dot = _mm512_setzero_si512();
      for (std::size_t j = 0; j < kChunks; ++j) {
        std::int32_t four;
        std::memcpy(&four, a.qs + 4 * j, 4);
        dot = _mm512_dpbusd_epi32(dot, wq[j], _mm512_set1_epi32(four));
      }
      // da * (dot - offset * sum(qa)) with one rounding, then scaled by each row's d.
      const __m512 v = _mm512_fmsub_ps(_mm512_cvtepi32_ps(dot), _mm512_set1_ps(a.d),
                                       _mm512_set1_ps(P::kOffset * a.sum));
      acc[k] = _mm512_fmadd_ps(dw, v, acc[k]);
    }
  }
  for (std::size_t k = 0; k < kTile; ++k) _mm512_storeu_ps(y + (t0 + k) * y_stride + row0, acc[k]);
}

template <std::size_t kTile>
void q4_k_group_tile(const std::uint8_t* group, std::size_t supers, const BlockQ8Act* x,
                     std::size_t t0, float* y, std::size_t y_stride, std::size_t row0) {
  const std::size_t blocks = supers * 8;
  const __m512i low = _mm512_set1_epi8(0x0F);
  __m512 acc[kTile];
  for (std::size_t k = 0; k < kTile; ++k) acc[k] = _mm512_setzero_ps();
  for (std::size_t s = 0; s < supers; ++s) {
    const std::uint8_t* block = group + s * kQ4KBlockBytes;
    const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block)));
    const __m512 dmin =
        _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + kScaleBytes)));
    const std::uint8_t* scales = block + 2 * kScaleBytes;
    const std::uint8_t* quants = scales + 2 * 8 * kGroup;
    for (std::size_t j = 0; j < 8; ++j) {
      auto widen = [](const std::uint8_t* bytes) {
        return _mm512_cvtepi32_ps(
            _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes))));
      };
      const __m512 scale = _mm512_mul_ps(d, widen(scales + j * 2 * kGroup));
      const __m512 min = _mm512_mul_ps(dmin, widen(scales + j * 2 * kGroup + kGroup));
      const std::uint8_t* run = quants + j / 2 * kChunks * 64;
      __m512i wq[kChunks];
      for (std::size_t c = 0; c < kChunks; ++c) {
        const __m512i bytes = _mm512_loadu_si512(run + c * 64);
        wq[c] = _mm512_and_si512(j % 2 == 0 ? bytes : _mm512_srli_epi16(bytes, 4), low);
      }
      for (std::size_t k = 0; k < kTile; ++k) {
        const BlockQ8Act& a = x[(t0 + k) * blocks + s * 8 + j];
        __m512i dot = _mm512_setzero_si512();
        for (std::size_t c = 0; c < kChunks; ++c) {
          std::int32_t four;
          std::memcpy(&four, a.qs + 4 * c, 4);
          dot = _mm512_dpbusd_epi32(dot, wq[c], _mm512_set1_epi32(four));
        }
        const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(dot), _mm512_set1_ps(a.d));
        acc[k] = _mm512_fmadd_ps(scale, v, acc[k]);
        acc[k] = _mm512_fnmadd_ps(min, _mm512_set1_ps(a.sum), acc[k]);
      }
    }
  }
  for (std::size_t k = 0; k < kTile; ++k) _mm512_storeu_ps(y + (t0 + k) * y_stride + row0, acc[k]);
}

void pack_q4_k(const void* w, std::size_t row_bytes, std::size_t rows, std::size_t cols,
               void* out) {
  const std::size_t supers = cols / tensor::kQK_K;
  auto* dst = static_cast<std::uint8_t*>(out);
  for (std::size_t g = 0; g < rows / kGroup; ++g) {
    for (std::size_t s = 0; s < supers; ++s) {
      std::uint8_t* block = dst + (g * supers + s) * kQ4KBlockBytes;
      std::uint8_t* scales = block + 2 * kScaleBytes;
      std::uint8_t* quants = scales + 2 * 8 * kGroup;
      for (std::size_t i = 0; i < kGroup; ++i) {
        const auto& b = reinterpret_cast<const tensor::BlockQ4_K*>(static_cast<const char*>(w) +
                                                                   (g * kGroup + i) * row_bytes)[s];
        std::memcpy(block + 2 * i, &b.d, 2);
        std::memcpy(block + kScaleBytes + 2 * i, &b.dmin, 2);
        const tensor::K4Scales k4 = tensor::unpack_k4_scales(b.scales);
        for (std::size_t j = 0; j < 8; ++j) {
          scales[j * 2 * kGroup + i] = static_cast<std::uint8_t>(k4.scale(j));
          scales[j * 2 * kGroup + kGroup + i] = static_cast<std::uint8_t>(k4.min(j));
        }
        for (std::size_t run = 0; run < 4; ++run) {
          for (std::size_t c = 0; c < kChunks; ++c) {
            std::memcpy(quants + run * kChunks * 64 + c * 64 + i * 4, b.qs + 32 * run + 4 * c, 4);
          }
        }
      }
    }
  }
}

// The two layouts' shapes, for the loops below: a group's size and its tile of tokens.
template <typename P>
struct Per32Layout {
  static std::size_t group_bytes(std::size_t cols) {
    return kGroup * (cols / 32) * sizeof(typename P::Block);
  }
  template <std::size_t kTile>
  static void tile(const std::uint8_t* group, std::size_t cols, const BlockQ8Act* x, std::size_t t0,
                   float* y, std::size_t y_stride, std::size_t row0) {
    group_tile<P, kTile>(group, cols / 32, x, t0, y, y_stride, row0);
  }
};

struct Q4KLayout {
  static std::size_t group_bytes(std::size_t cols) { return cols / tensor::kQK_K * kQ4KBlockBytes; }
  template <std::size_t kTile>
  static void tile(const std::uint8_t* group, std::size_t cols, const BlockQ8Act* x, std::size_t t0,
                   float* y, std::size_t y_stride, std::size_t row0) {
    q4_k_group_tile<kTile>(group, cols / tensor::kQK_K, x, t0, y, y_stride, row0);
  }
};

template <typename L>
std::size_t packed_bytes(std::size_t rows, std::size_t cols) {
  return rows / kGroup * L::group_bytes(cols);
}

template <typename L, std::size_t kTile>
void group_tiles(const std::uint8_t* group, std::size_t cols, const BlockQ8Act* x, std::size_t t0,
                 std::size_t n, float* y, std::size_t y_stride, std::size_t row0) {
  if constexpr (kTile > 0) {
    if (n >= kTile) {
      L::template tile<kTile>(group, cols, x, t0, y, y_stride, row0);
    } else {
      group_tiles<L, kTile - 1>(group, cols, x, t0, n, y, y_stride, row0);
    }
  }
}

// Groups in runs that stay in L2 while every token tile passes over them.
template <typename L>
void gemm_packed(const void* w, std::size_t /*row_bytes*/, std::size_t cols, const BlockQ8Act* x,
                 std::size_t n_tokens, std::size_t row_begin, std::size_t row_end, float* y,
                 std::size_t y_stride) {
  constexpr std::size_t kGroupsPerRun = 4;
  const std::size_t group_bytes = L::group_bytes(cols);
  const auto* packed = static_cast<const std::uint8_t*>(w);
  for (std::size_t g0 = row_begin / kGroup; g0 < row_end / kGroup; g0 += kGroupsPerRun) {
    const std::size_t g1 = std::min(g0 + kGroupsPerRun, row_end / kGroup);
    for (std::size_t t = 0; t < n_tokens; t += kMaxTile) {
      const std::size_t tile = std::min(kMaxTile, n_tokens - t);
      for (std::size_t g = g0; g < g1; ++g) {
        group_tiles<L, kMaxTile>(packed + g * group_bytes, cols, x, t, tile, y, y_stride,
                                 g * kGroup);
      }
    }
  }
}

}  // namespace

void add_packed_quant_avx512vnni(tensor::KernelTable& table) {
  using Q8_0 = Per32Layout<PackedQ8_0>;
  using Q4_0 = Per32Layout<PackedQ4_0>;
  table.q8_0.packed = {kGroup, packed_bytes<Q8_0>, pack_rows<PackedQ8_0>, gemm_packed<Q8_0>};
  table.q4_0.packed = {kGroup, packed_bytes<Q4_0>, pack_rows<PackedQ4_0>, gemm_packed<Q4_0>};
  table.q4_k.packed = {kGroup, packed_bytes<Q4KLayout>, pack_q4_k, gemm_packed<Q4KLayout>};
}

}  // namespace hfserve::kernels::detail
