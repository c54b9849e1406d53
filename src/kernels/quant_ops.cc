// The portable reference for the activation quantiser and the quantised matrix products:
// integer dot products per 32-element block, scaled once per block. SIMD variants are
// tested against these, and these against F32 arithmetic on the dequantised values.
#include <cmath>

#include "kernels/quant_matmul.h"
#include "kernels/variants.h"
#include "tensor/half.h"
#include "tensor/quant_blocks.h"

namespace hfserve::kernels::detail {
namespace {

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

struct DotQ8_0 {
  using Block = tensor::BlockQ8_0;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    for (std::size_t k = 0; k < kTile; ++k) {
      float sum = 0;
      for (std::size_t b = 0; b < blocks; ++b) {
        std::int32_t dot = 0;
        for (std::size_t j = 0; j < BlockQ8Act::kSize; ++j) dot += row[b].qs[j] * xs[k][b].qs[j];
        sum += f16_to_f32(row[b].d) * xs[k][b].d * static_cast<float>(dot);
      }
      sums[k] = sum;
    }
  }
};

struct DotQ4_0 {
  using Block = tensor::BlockQ4_0;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    for (std::size_t k = 0; k < kTile; ++k) {
      float sum = 0;
      for (std::size_t b = 0; b < blocks; ++b) {
        // sum (q - 8) * a = sum q * a - 8 * sum a
        std::int32_t dot = dot_nibbles(row[b].qs, xs[k][b].qs) - 8 * xs[k][b].qsum;
        sum += f16_to_f32(row[b].d) * xs[k][b].d * static_cast<float>(dot);
      }
      sums[k] = sum;
    }
  }
};

struct DotQ4_1 {
  using Block = tensor::BlockQ4_1;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    for (std::size_t k = 0; k < kTile; ++k) {
      float sum = 0;
      for (std::size_t b = 0; b < blocks; ++b) {
        // sum (d q + m) * (da a) = d da sum q a + m da sum a
        std::int32_t dot = dot_nibbles(row[b].qs, xs[k][b].qs);
        sum += f16_to_f32(row[b].d) * xs[k][b].d * static_cast<float>(dot) +
               f16_to_f32(row[b].m) * xs[k][b].d * static_cast<float>(xs[k][b].qsum);
      }
      sums[k] = sum;
    }
  }
};

}  // namespace

void add_quant_ops_scalar(tensor::KernelTable& table) {
  table.quantize_act_q8 = quantize_act;
  QuantMatmul<DotQ8_0>::fill(table.gemv_q8_0, table.gemm_q8_0);
  QuantMatmul<DotQ4_0>::fill(table.gemv_q4_0, table.gemm_q4_0);
  QuantMatmul<DotQ4_1>::fill(table.gemv_q4_1, table.gemm_q4_1);
}

}  // namespace hfserve::kernels::detail
