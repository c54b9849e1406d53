#include "tensor/dequantize.h"

#include <cstdint>
#include <cstring>

#include "tensor/half.h"
#include "tensor/quant_blocks.h"
#include "util/error.h"

namespace hfserve::tensor {
namespace {

// Blocks may sit at any byte offset in a mapped file, so each is copied out before reading.
template <typename Block>
Block load_block(const std::uint8_t* src, std::size_t index) {
  Block block;
  std::memcpy(&block, src + index * sizeof(Block), sizeof(Block));
  return block;
}

void dequantize_q4_0(const BlockQ4_0& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (std::size_t j = 0; j < kQK4_0 / 2; ++j) {
    y[j] = d * static_cast<float>((b.qs[j] & 0x0f) - 8);
    y[j + kQK4_0 / 2] = d * static_cast<float>((b.qs[j] >> 4) - 8);
  }
}

void dequantize_q4_1(const BlockQ4_1& b, float* y) {
  const float d = f16_to_f32(b.d);
  const float m = f16_to_f32(b.m);
  for (std::size_t j = 0; j < kQK4_1 / 2; ++j) {
    y[j] = d * static_cast<float>(b.qs[j] & 0x0f) + m;
    y[j + kQK4_1 / 2] = d * static_cast<float>(b.qs[j] >> 4) + m;
  }
}

std::uint32_t load_u32_le(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// The 5-bit quants of Q5_0/Q5_1: low nibbles from qs, bit 4 of element j is bit j of qh.
void unpack_q5(const std::uint8_t* qs, const std::uint8_t* qh_bytes, int* q) {
  const std::uint32_t qh = load_u32_le(qh_bytes);
  for (std::size_t j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    q[j + 16] = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
  }
}

void dequantize_q5_0(const BlockQ5_0& b, float* y) {
  const float d = f16_to_f32(b.d);
  int q[kQK5_0];
  unpack_q5(b.qs, b.qh, q);
  for (std::size_t j = 0; j < kQK5_0; ++j) y[j] = d * static_cast<float>(q[j] - 16);
}

void dequantize_q5_1(const BlockQ5_1& b, float* y) {
  const float d = f16_to_f32(b.d);
  const float m = f16_to_f32(b.m);
  int q[kQK5_1];
  unpack_q5(b.qs, b.qh, q);
  for (std::size_t j = 0; j < kQK5_1; ++j) y[j] = d * static_cast<float>(q[j]) + m;
}

void dequantize_q8_0(const BlockQ8_0& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (std::size_t j = 0; j < kQK8_0; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
}

void dequantize_q2_k(const BlockQ2_K& b, float* y) {
  const float d = f16_to_f32(b.d);
  const float dmin = f16_to_f32(b.dmin);
  // Element h*128 + s*32 + l holds bits 2s..2s+1 of qs[h*32 + l]; sub-blocks are 16 wide.
  for (std::size_t h = 0; h < 2; ++h) {
    for (std::size_t s = 0; s < 4; ++s) {
      for (std::size_t l = 0; l < 32; ++l) {
        const std::size_t i = h * 128 + s * 32 + l;
        const std::uint8_t sc = b.scales[i / 16];
        const float dl = d * static_cast<float>(sc & 0x0f);
        const float ml = dmin * static_cast<float>(sc >> 4);
        const int q = (b.qs[h * 32 + l] >> (2 * s)) & 3;
        y[i] = dl * static_cast<float>(q) - ml;
      }
    }
  }
}

void dequantize_q3_k(const BlockQ3_K& b, float* y) {
  const float d = f16_to_f32(b.d);
  std::int8_t scales[16];
  unpack_k3_scales(b.scales, scales);
  float dl[16];
  for (std::size_t i = 0; i < 16; ++i) dl[i] = d * static_cast<float>(scales[i]);
  for (std::size_t h = 0; h < 2; ++h) {
    for (std::size_t s = 0; s < 4; ++s) {
      for (std::size_t l = 0; l < 32; ++l) {
        const std::size_t i = h * 128 + s * 32 + l;
        const int low = (b.qs[h * 32 + l] >> (2 * s)) & 3;
        // The high bit of element i is bit i/32 of hmask[i%32]; a clear bit subtracts 4.
        const int high_clear = ((b.hmask[l] >> (i / 32)) & 1) ^ 1;
        y[i] = dl[i / 16] * static_cast<float>(low - (high_clear << 2));
      }
    }
  }
}

void dequantize_q4_k(const BlockQ4_K& b, float* y) {
  const float d = f16_to_f32(b.d);
  const float dmin = f16_to_f32(b.dmin);
  const K4Scales packed = unpack_k4_scales(b.scales);
  // Sub-block 2c + k: nibble k of qs[c*32 .. c*32 + 31].
  for (std::size_t sb = 0; sb < 8; ++sb) {
    const float dl = d * static_cast<float>(packed.scale(sb));
    const float ml = dmin * static_cast<float>(packed.min(sb));
    const std::uint8_t* qs = b.qs + (sb / 2) * 32;
    const int shift = 4 * static_cast<int>(sb % 2);
    for (std::size_t l = 0; l < 32; ++l) {
      y[sb * 32 + l] = dl * static_cast<float>((qs[l] >> shift) & 0x0f) - ml;
    }
  }
}

void dequantize_q5_k(const BlockQ5_K& b, float* y) {
  const float d = f16_to_f32(b.d);
  const float dmin = f16_to_f32(b.dmin);
  const K4Scales packed = unpack_k4_scales(b.scales);
  for (std::size_t sb = 0; sb < 8; ++sb) {
    const float dl = d * static_cast<float>(packed.scale(sb));
    const float ml = dmin * static_cast<float>(packed.min(sb));
    const std::uint8_t* qs = b.qs + (sb / 2) * 32;
    const int shift = 4 * static_cast<int>(sb % 2);
    for (std::size_t l = 0; l < 32; ++l) {
      // Bit 4 of sub-block sb's element l is bit sb of qh[l].
      const int q = ((qs[l] >> shift) & 0x0f) | (((b.qh[l] >> sb) & 1) << 4);
      y[sb * 32 + l] = dl * static_cast<float>(q) - ml;
    }
  }
}

void dequantize_iq4_nl(const BlockIQ4_NL& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (std::size_t j = 0; j < kQK4_NL / 2; ++j) {
    y[j] = d * static_cast<float>(kIQ4NLValues[b.qs[j] & 0x0f]);
    y[j + kQK4_NL / 2] = d * static_cast<float>(kIQ4NLValues[b.qs[j] >> 4]);
  }
}

void dequantize_q6_k(const BlockQ6_K& b, float* y) {
  const float d = f16_to_f32(b.d);
  // Element h*128 + k*64 + l (l < 64) takes nibble k of ql[h*64 + l]; element
  // h*128 + s*32 + l (l < 32) takes bits 2s..2s+1 of qh[h*32 + l].
  int q[kQK_K];
  for (std::size_t h = 0; h < 2; ++h) {
    for (std::size_t k = 0; k < 2; ++k) {
      for (std::size_t l = 0; l < 64; ++l) {
        q[h * 128 + k * 64 + l] = (b.ql[h * 64 + l] >> (4 * k)) & 0x0f;
      }
    }
    for (std::size_t s = 0; s < 4; ++s) {
      for (std::size_t l = 0; l < 32; ++l) {
        q[h * 128 + s * 32 + l] |= ((b.qh[h * 32 + l] >> (2 * s)) & 3) << 4;
      }
    }
  }
  for (std::size_t i = 0; i < kQK_K; ++i) {
    const float dl = d * static_cast<float>(b.scales[i / 16]);
    y[i] = dl * static_cast<float>(q[i] - 32);
  }
}

template <typename Block, void (*kDecode)(const Block&, float*), std::size_t kBlockSize>
void dequantize_blocks(const void* src, float* dst, std::size_t n) {
  const auto* bytes = static_cast<const std::uint8_t*>(src);
  for (std::size_t i = 0; i < n / kBlockSize; ++i) {
    kDecode(load_block<Block>(bytes, i), dst + i * kBlockSize);
  }
}

template <typename Bits, float (*kConvert)(Bits)>
void convert_elements(const void* src, float* dst, std::size_t n) {
  const auto* bytes = static_cast<const std::uint8_t*>(src);
  for (std::size_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, bytes + i * sizeof(Bits), sizeof(Bits));
    dst[i] = kConvert(bits);
  }
}

float f64_to_f32(double value) { return static_cast<float>(value); }
float f32_identity(float value) { return value; }

}  // namespace

bool can_dequantize(DType dtype) {
  switch (dtype) {
    case DType::kI64:
    case DType::kI32:
    case DType::kI16:
    case DType::kI8:
    case DType::kU8:
    case DType::kBool:
      return false;
    default:
      return true;
  }
}

void dequantize_row(DType dtype, const void* src, float* dst, std::size_t n) {
  HFSERVE_CHECK(n % dtype_info(dtype).block_size == 0);
  switch (dtype) {
    case DType::kF64:
      return convert_elements<double, f64_to_f32>(src, dst, n);
    case DType::kF32:
      return convert_elements<float, f32_identity>(src, dst, n);
    case DType::kF16:
      return convert_elements<std::uint16_t, f16_to_f32>(src, dst, n);
    case DType::kBF16:
      return convert_elements<std::uint16_t, bf16_to_f32>(src, dst, n);
    case DType::kF8E4M3:
      return convert_elements<std::uint8_t, f8e4m3_to_f32>(src, dst, n);
    case DType::kF8E5M2:
      return convert_elements<std::uint8_t, f8e5m2_to_f32>(src, dst, n);
    case DType::kQ4_0:
      return dequantize_blocks<BlockQ4_0, dequantize_q4_0, kQK4_0>(src, dst, n);
    case DType::kQ4_1:
      return dequantize_blocks<BlockQ4_1, dequantize_q4_1, kQK4_1>(src, dst, n);
    case DType::kQ5_0:
      return dequantize_blocks<BlockQ5_0, dequantize_q5_0, kQK5_0>(src, dst, n);
    case DType::kQ5_1:
      return dequantize_blocks<BlockQ5_1, dequantize_q5_1, kQK5_1>(src, dst, n);
    case DType::kQ8_0:
      return dequantize_blocks<BlockQ8_0, dequantize_q8_0, kQK8_0>(src, dst, n);
    case DType::kQ2_K:
      return dequantize_blocks<BlockQ2_K, dequantize_q2_k, kQK_K>(src, dst, n);
    case DType::kQ3_K:
      return dequantize_blocks<BlockQ3_K, dequantize_q3_k, kQK_K>(src, dst, n);
    case DType::kQ4_K:
      return dequantize_blocks<BlockQ4_K, dequantize_q4_k, kQK_K>(src, dst, n);
    case DType::kQ5_K:
      return dequantize_blocks<BlockQ5_K, dequantize_q5_k, kQK_K>(src, dst, n);
    case DType::kQ6_K:
      return dequantize_blocks<BlockQ6_K, dequantize_q6_k, kQK_K>(src, dst, n);
    case DType::kIQ4_NL:
      return dequantize_blocks<BlockIQ4_NL, dequantize_iq4_nl, kQK4_NL>(src, dst, n);
    default:
      HFSERVE_CHECK(can_dequantize(dtype));
  }
}

}  // namespace hfserve::tensor
