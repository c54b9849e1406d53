// The byte layouts of GGUF's quantised blocks, exactly as llama.cpp's ggml-common.h stores
// them in files (little-endian, no padding; the static_asserts pin every size). `d`, `m` and
// `dmin` are IEEE half floats kept as raw bits. A row of n elements is n / block_size
// consecutive blocks. These are plain data (and the one unpacking of packed scales they share):
// dequantize.h, quantize.h and the matmul kernels read and write them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hfserve::tensor {

inline constexpr std::size_t kQK4_0 = 32;
inline constexpr std::size_t kQK4_1 = 32;
inline constexpr std::size_t kQK5_0 = 32;
inline constexpr std::size_t kQK5_1 = 32;
inline constexpr std::size_t kQK8_0 = 32;
inline constexpr std::size_t kQK_K = 256;       // super-block of the K-quants
inline constexpr std::size_t kKScaleSize = 12;  // packed 6-bit scales of Q4_K / Q5_K
inline constexpr std::size_t kQK4_NL = 32;

// x = d * (q - 8), q 4-bit; qs[j] holds element j (low nibble) and j + 16 (high nibble).
struct BlockQ4_0 {
  std::uint16_t d;
  std::uint8_t qs[kQK4_0 / 2];
};
// x = d * q + m.
struct BlockQ4_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qs[kQK4_1 / 2];
};
// x = d * (q - 16), q 5-bit: the low 4 bits as Q4_0, bit 4 of element j in bit j of qh.
struct BlockQ5_0 {
  std::uint16_t d;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK5_0 / 2];
};
struct BlockQ5_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK5_1 / 2];
};
// x = d * q, q signed 8-bit.
struct BlockQ8_0 {
  std::uint16_t d;
  std::int8_t qs[kQK8_0];
};
// 16 sub-blocks of 16: scales[i] = scale (low nibble) | min (high nibble), 2-bit quants.
struct BlockQ2_K {
  std::uint8_t scales[kQK_K / 16];
  std::uint8_t qs[kQK_K / 4];
  std::uint16_t d;
  std::uint16_t dmin;
};
// 16 sub-blocks of 16: 2 low bits in qs, the high bit in hmask, 6-bit signed scales packed
// in 12 bytes.
struct BlockQ3_K {
  std::uint8_t hmask[kQK_K / 8];
  std::uint8_t qs[kQK_K / 4];
  std::uint8_t scales[12];
  std::uint16_t d;
};
// 8 sub-blocks of 32: 6-bit scales and mins packed in 12 bytes, 4-bit quants.
struct BlockQ4_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[kKScaleSize];
  std::uint8_t qs[kQK_K / 2];
};
// As Q4_K plus the fifth bit of each quant in qh.
struct BlockQ5_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[kKScaleSize];
  std::uint8_t qh[kQK_K / 8];
  std::uint8_t qs[kQK_K / 2];
};
// x = d * kIQ4NLValues[q], q 4-bit, nibbles placed as Q4_0's: a non-linear grid that the
// Q2_K and Q3_K mixes (and IQ4_XS) use where rows are not whole 256-value super-blocks.
struct BlockIQ4_NL {
  std::uint16_t d;
  std::uint8_t qs[kQK4_NL / 2];
};
inline constexpr std::int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                 1,    13,   25,  38,  53,  69,  89,  113};

// 16 sub-blocks of 16: 4 low bits in ql, 2 high bits in qh, signed 8-bit scales.
struct BlockQ6_K {
  std::uint8_t ql[kQK_K / 2];
  std::uint8_t qh[kQK_K / 4];
  std::int8_t scales[kQK_K / 16];
  std::uint16_t d;
};

// The 8 six-bit scales and mins of a Q4_K/Q5_K block, unpacked from their 12 bytes as
// ggml's get_scale_min_k4 reads them: sub-block j is scaled by d * scale(j) and offset by
// -dmin * min(j). Byte j of `scales` / `mins` is sub-block j's, so SIMD code widens all
// eight at once.
struct K4Scales {
  std::uint64_t scales;
  std::uint64_t mins;
  int scale(std::size_t j) const { return static_cast<int>((scales >> (8 * j)) & 0xff); }
  int min(std::size_t j) const { return static_cast<int>((mins >> (8 * j)) & 0xff); }
};

// Sub-blocks 0-3 keep the low 6 bits of bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7
// take their low 4 bits from a nibble of bytes 8-11 and their top 2 from the top bits of
// bytes 0-7: four sub-blocks per 32-bit word operation.
inline K4Scales unpack_k4_scales(const std::uint8_t* packed) {
  auto word = [packed](std::size_t i) {
    return static_cast<std::uint32_t>(packed[4 * i]) | std::uint32_t{packed[4 * i + 1]} << 8 |
           std::uint32_t{packed[4 * i + 2]} << 16 | std::uint32_t{packed[4 * i + 3]} << 24;
  };
  const std::uint32_t w0 = word(0), w1 = word(1), w2 = word(2);
  constexpr std::uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kBits45 = 0x30303030;
  const std::uint32_t scales_high = (w2 & kLow4) | ((w0 >> 2) & kBits45);
  const std::uint32_t mins_high = ((w2 >> 4) & kLow4) | ((w1 >> 2) & kBits45);
  return {std::uint64_t{w0 & kLow6} | std::uint64_t{scales_high} << 32,
          std::uint64_t{w1 & kLow6} | std::uint64_t{mins_high} << 32};
}

// The 16 signed scales of a Q3_K block (sub-blocks of 16 values), from 12 bytes: scale i
// has its low 4 bits in nibble i / 8 of byte i % 8 and its high 2 bits at bit 2 * (i / 4)
// of byte 8 + i % 4, and is stored plus 32. Worked four scales per 32-bit word: byte j of
// word k is scale 4k + j, which SIMD code widens as it is.
inline void unpack_k3_scales(const std::uint8_t* packed, std::int8_t* scales) {
  auto word = [packed](std::size_t i) {
    return static_cast<std::uint32_t>(packed[4 * i]) | std::uint32_t{packed[4 * i + 1]} << 8 |
           std::uint32_t{packed[4 * i + 2]} << 16 | std::uint32_t{packed[4 * i + 3]} << 24;
  };
  const std::uint32_t w0 = word(0), w1 = word(1), w2 = word(2);
  constexpr std::uint32_t kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  const std::uint32_t biased[4] = {(w0 & kLow4) | (w2 & kLow2) << 4,
                                   (w1 & kLow4) | ((w2 >> 2) & kLow2) << 4,
                                   ((w0 >> 4) & kLow4) | ((w2 >> 4) & kLow2) << 4,
                                   ((w1 >> 4) & kLow4) | ((w2 >> 6) & kLow2) << 4};
  for (std::size_t k = 0; k < 4; ++k) {
    // Each byte (0..63) minus 32 without borrows between bytes: set its top bit, take 32,
    // flip the top bit back.
    const std::uint32_t word_value = ((biased[k] | 0x80808080u) - 0x20202020u) ^ 0x80808080u;
    for (std::size_t j = 0; j < 4; ++j) {
      scales[4 * k + j] =
          static_cast<std::int8_t>(static_cast<std::uint8_t>(word_value >> (8 * j)));
    }
  }
}

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockIQ4_NL) == 18);

}  // namespace hfserve::tensor
