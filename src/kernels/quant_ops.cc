// The portable reference for the activation quantiser and the quantised GEMVs: integer
// dot products per 32-element block, scaled once per block. SIMD variants are tested
// against these, and these against F32 arithmetic on the dequantised values.
#include <cmath>
#include <cstring>

#include "kernels/variants.h"
#include "tensor/half.h"
#include "tensor/quant_blocks.h"

namespace hfserve::kernels::detail {
namespace {

using tensor::BlockQ4_0;
using tensor::BlockQ4_1;
using tensor::BlockQ8_0;
using tensor::BlockQ8Act;
using tensor::f16_to_f32;

void quantize_act(const float* x, std::size_t n, BlockQ8Act* out) {
  for (std::size_t b = 0; b < n / BlockQ8Act::kSize; ++b) {
    const float* v = x + b * BlockQ8Act::kSize;
    float amax = 0;
    for (std::size_t i = 0; i < BlockQ8Act::kSize; ++i) amax = std::fmax(amax, std::fabs(v[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    std::int32_t sum = 0;
    for (std::size_t i = 0; i < BlockQ8Act::kSize; ++i) {
      auto q = static_cast<std::int8_t>(std::round(v[i] * id));
      out[b].qs[i] = q;
      sum += q;
    }
    out[b].d = d;
    out[b].qsum = sum;
  }
}

// Element j of a Q4 block is the low nibble of qs[j] for j < 16, else the high nibble of
// qs[j - 16].
std::int32_t dot_nibbles(const std::uint8_t* qs, const std::int8_t* act) {
  std::int32_t sum = 0;
  for (std::size_t j = 0; j < 16; ++j) {
    sum += (qs[j] & 0x0F) * act[j] + (qs[j] >> 4) * act[j + 16];
  }
  return sum;
}

void gemv_q8_0(const void* w, std::size_t row_bytes, std::size_t cols, const BlockQ8Act* x,
               std::size_t row_begin, std::size_t row_end, float* y) {
  const std::size_t blocks = cols / BlockQ8Act::kSize;
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const auto* row =
        reinterpret_cast<const BlockQ8_0*>(static_cast<const char*>(w) + r * row_bytes);
    float sum = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      std::int32_t dot = 0;
      for (std::size_t j = 0; j < BlockQ8Act::kSize; ++j) dot += row[b].qs[j] * x[b].qs[j];
      sum += f16_to_f32(row[b].d) * x[b].d * static_cast<float>(dot);
    }
    y[r] = sum;
  }
}

void gemv_q4_0(const void* w, std::size_t row_bytes, std::size_t cols, const BlockQ8Act* x,
               std::size_t row_begin, std::size_t row_end, float* y) {
  const std::size_t blocks = cols / BlockQ8Act::kSize;
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const auto* row =
        reinterpret_cast<const BlockQ4_0*>(static_cast<const char*>(w) + r * row_bytes);
    float sum = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      // sum (q - 8) * a = sum q * a - 8 * sum a
      std::int32_t dot = dot_nibbles(row[b].qs, x[b].qs) - 8 * x[b].qsum;
      sum += f16_to_f32(row[b].d) * x[b].d * static_cast<float>(dot);
    }
    y[r] = sum;
  }
}

void gemv_q4_1(const void* w, std::size_t row_bytes, std::size_t cols, const BlockQ8Act* x,
               std::size_t row_begin, std::size_t row_end, float* y) {
  const std::size_t blocks = cols / BlockQ8Act::kSize;
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const auto* row =
        reinterpret_cast<const BlockQ4_1*>(static_cast<const char*>(w) + r * row_bytes);
    float sum = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      // sum (d q + m) * (da a) = d da sum q a + m da sum a
      std::int32_t dot = dot_nibbles(row[b].qs, x[b].qs);
      sum += f16_to_f32(row[b].d) * x[b].d * static_cast<float>(dot) +
             f16_to_f32(row[b].m) * x[b].d * static_cast<float>(x[b].qsum);
    }
    y[r] = sum;
  }
}

}  // namespace

void add_quant_ops_scalar(tensor::KernelTable& table) {
  table.quantize_act_q8 = quantize_act;
  table.gemv_q8_0 = gemv_q8_0;
  table.gemv_q4_0 = gemv_q4_0;
  table.gemv_q4_1 = gemv_q4_1;
}

}  // namespace hfserve::kernels::detail
