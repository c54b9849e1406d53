#include "tensor/quantize.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "tensor/half.h"
#include "tensor/quant_blocks.h"
#include "util/error.h"

namespace hfserve::tensor {
namespace {

template <typename Block>
void store_block(const Block& block, std::uint8_t* dst, std::size_t index) {
  std::memcpy(dst + index * sizeof(Block), &block, sizeof(Block));
}

// Rounds half away from zero, as gguf-py's np_roundf (and C's roundf) do.
float round_away(float x) { return std::round(x); }

BlockQ8_0 quantize_q8_0(const float* x) {
  float amax = 0.0f;
  for (std::size_t j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d == 0.0f ? 0.0f : 1.0f / d;
  BlockQ8_0 block;
  block.d = f32_to_f16(d);
  for (std::size_t j = 0; j < kQK8_0; ++j) {
    block.qs[j] = static_cast<std::int8_t>(round_away(x[j] * id));
  }
  return block;
}

BlockQ4_0 quantize_q4_0(const float* x) {
  // The value of largest magnitude, sign kept (the first one on ties) maps to -8.
  float max = x[0];
  float amax = std::fabs(x[0]);
  for (std::size_t j = 1; j < kQK4_0; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  const float d = max / -8.0f;
  const float id = d == 0.0f ? 0.0f : 1.0f / d;
  // gguf-py computes x * id + 8.5 in double, rounds that to float, then truncates.
  auto quant = [id](float v) {
    const float shifted = static_cast<float>(static_cast<double>(v) * id + 8.5);
    return static_cast<std::uint8_t>(std::min(15.0f, std::trunc(shifted)));
  };
  BlockQ4_0 block;
  block.d = f32_to_f16(d);
  for (std::size_t j = 0; j < kQK4_0 / 2; ++j) {
    block.qs[j] = static_cast<std::uint8_t>(quant(x[j]) | (quant(x[j + kQK4_0 / 2]) << 4));
  }
  return block;
}

// One Q4_K sub-block's fit: x ~ scale * q - offset with q in [0, 15] and offset >= 0.
struct SubBlockFit {
  float scale = 0.0f;
  float offset = 0.0f;
};

float fit_error(const float* x, std::size_t n, float scale, float offset) {
  if (scale <= 0.0f) {
    float err = 0.0f;
    for (std::size_t i = 0; i < n; ++i) err += (x[i] + offset) * (x[i] + offset);
    return err;
  }
  float err = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    const float q = std::clamp(std::round((x[i] + offset) / scale), 0.0f, 15.0f);
    const float diff = scale * q - offset - x[i];
    err += diff * diff;
  }
  return err;
}

// Starts from the min/max grid (the offset can only move values down, so min is capped at
// 0), then alternates assigning quants and solving the 2x2 least-squares system for scale
// and offset, keeping the best fit seen.
SubBlockFit fit_sub_block(const float* x, std::size_t n) {
  float lo = 0.0f;
  float hi = x[0];
  for (std::size_t i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  SubBlockFit best{(hi - lo) / 15.0f, -lo};
  if (best.scale <= 0.0f) return {0.0f, best.offset};
  float best_err = fit_error(x, n, best.scale, best.offset);
  SubBlockFit fit = best;
  for (int iteration = 0; iteration < 6; ++iteration) {
    double sq = 0, sqq = 0, sx = 0, sqx = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double q = std::clamp(std::round((x[i] + fit.offset) / fit.scale), 0.0f, 15.0f);
      sq += q;
      sqq += q * q;
      sx += x[i];
      sqx += q * x[i];
    }
    const double det = static_cast<double>(n) * sqq - sq * sq;
    if (det <= 0) break;
    double scale = (static_cast<double>(n) * sqx - sq * sx) / det;
    double offset = (scale * sq - sx) / static_cast<double>(n);
    if (offset < 0) {
      offset = 0;
      scale = sqq > 0 ? sqx / sqq : 0;
    }
    if (scale <= 0) break;
    fit = {static_cast<float>(scale), static_cast<float>(offset)};
    const float err = fit_error(x, n, fit.scale, fit.offset);
    if (err >= best_err) break;
    best_err = err;
    best = fit;
  }
  return best;
}

std::uint8_t to_6bit(float value, float inverse_step) {
  return static_cast<std::uint8_t>(std::clamp(std::round(value * inverse_step), 0.0f, 63.0f));
}

BlockQ4_K quantize_q4_k(const float* x) {
  SubBlockFit fits[8];
  float max_scale = 0.0f;
  float max_offset = 0.0f;
  for (std::size_t sb = 0; sb < 8; ++sb) {
    fits[sb] = fit_sub_block(x + sb * 32, 32);
    max_scale = std::max(max_scale, fits[sb].scale);
    max_offset = std::max(max_offset, fits[sb].offset);
  }
  BlockQ4_K block{};
  block.d = f32_to_f16(max_scale / 63.0f);
  block.dmin = f32_to_f16(max_offset / 63.0f);
  const float d = f16_to_f32(block.d);
  const float dmin = f16_to_f32(block.dmin);
  std::uint8_t scale[8];
  std::uint8_t offset[8];
  for (std::size_t sb = 0; sb < 8; ++sb) {
    scale[sb] = d > 0.0f ? to_6bit(fits[sb].scale, 1.0f / d) : 0;
    offset[sb] = dmin > 0.0f ? to_6bit(fits[sb].offset, 1.0f / dmin) : 0;
  }
  // The packing that unpack_k4_scales (quant_blocks.h) reads back.
  for (std::size_t j = 0; j < 4; ++j) {
    block.scales[j] = static_cast<std::uint8_t>(scale[j] | ((scale[j + 4] & 0x30) << 2));
    block.scales[j + 4] = static_cast<std::uint8_t>(offset[j] | ((offset[j + 4] & 0x30) << 2));
    block.scales[j + 8] = static_cast<std::uint8_t>((scale[j + 4] & 0x0f) | (offset[j + 4] << 4));
  }
  // Quants against the scales as stored (rounded to 6 bits and half precision).
  for (std::size_t sb = 0; sb < 8; ++sb) {
    const float dl = d * static_cast<float>(scale[sb]);
    const float ml = dmin * static_cast<float>(offset[sb]);
    std::uint8_t* qs = block.qs + (sb / 2) * 32;
    const int shift = 4 * static_cast<int>(sb % 2);
    for (std::size_t l = 0; l < 32; ++l) {
      const float q = dl > 0.0f ? std::round((x[sb * 32 + l] + ml) / dl) : 0.0f;
      const auto nibble = static_cast<std::uint8_t>(std::clamp(q, 0.0f, 15.0f));
      qs[l] = static_cast<std::uint8_t>(qs[l] | (nibble << shift));
    }
  }
  return block;
}

template <typename Block, Block (*kEncode)(const float*), std::size_t kBlockSize>
void quantize_blocks(const float* src, void* dst, std::size_t n) {
  auto* bytes = static_cast<std::uint8_t*>(dst);
  for (std::size_t i = 0; i < n / kBlockSize; ++i) {
    store_block(kEncode(src + i * kBlockSize), bytes, i);
  }
}

}  // namespace

bool can_quantize_to(DType dtype) {
  return dtype == DType::kQ8_0 || dtype == DType::kQ4_0 || dtype == DType::kQ4_K;
}

std::optional<DType> quantize_target(std::string_view name) {
  for (DType dtype : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K}) {
    const std::string_view target = dtype_name(dtype);
    if (std::equal(name.begin(), name.end(), target.begin(), target.end(), [](char a, char b) {
          return std::toupper(static_cast<unsigned char>(a)) == b;
        })) {
      return dtype;
    }
  }
  return std::nullopt;
}

void quantize_row(DType target, const float* src, void* dst, std::size_t n) {
  HFSERVE_CHECK(can_quantize_to(target));
  HFSERVE_CHECK(n % dtype_info(target).block_size == 0);
  switch (target) {
    case DType::kQ8_0:
      return quantize_blocks<BlockQ8_0, quantize_q8_0, kQK8_0>(src, dst, n);
    case DType::kQ4_0:
      return quantize_blocks<BlockQ4_0, quantize_q4_0, kQK4_0>(src, dst, n);
    default:
      return quantize_blocks<BlockQ4_K, quantize_q4_k, kQK_K>(src, dst, n);
  }
}

}  // namespace hfserve::tensor
