// The portable reference for the activation quantiser and the quantised matrix products:
// integer dot products per 32-element group (per 16 for Q6_K's scales), scaled once per
// group. SIMD variants are
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
    std::int32_t halves[2] = {0, 0};
    for (std::size_t i = 0; i < BlockQ8Act::kSize; ++i) {
      auto q = static_cast<std::int8_t>(std::round(v[i] * id));
      out[b].qs[i] = q;
      halves[i / 16] += q;
    }
    out[b].d = d;
    out[b].sum = d * static_cast<float>(halves[0] + halves[1]);
    out[b].half_sums[0] = d * static_cast<float>(halves[0]);
    out[b].half_sums[1] = d * static_cast<float>(halves[1]);
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

// As dot_nibbles with bit 4 of element j taken from bit j of the little-endian qh.
std::int32_t dot_q5(const std::uint8_t* qs, const std::uint8_t* qh, const std::int8_t* act) {
  const std::uint32_t high = static_cast<std::uint32_t>(qh[0]) | std::uint32_t{qh[1]} << 8 |
                             std::uint32_t{qh[2]} << 16 | std::uint32_t{qh[3]} << 24;
  std::int32_t sum = 0;
  for (std::size_t j = 0; j < 16; ++j) {
    const auto low = static_cast<std::int32_t>((qs[j] & 0x0F) | ((high >> j) & 1) << 4);
    const auto top = static_cast<std::int32_t>((qs[j] >> 4) | ((high >> (j + 16)) & 1) << 4);
    sum += low * act[j] + top * act[j + 16];
  }
  return sum;
}

// Every scalar policy is one loop over the row's 32-value groups, in order; P::group_dot
// gives group g's dot product with its activation block.
template <typename P>
struct GroupDot {
  using Block = typename P::Block;
  template <std::size_t kTile>
  static void dot_tile(const Block* row, const BlockQ8Act* const* xs, std::size_t blocks,
                       float* sums) {
    for (std::size_t k = 0; k < kTile; ++k) {
      float sum = 0;
      for (std::size_t g = 0; g < blocks; ++g) sum += P::group_dot(row, g, xs[k][g]);
      sums[k] = sum;
    }
  }
};

struct Q8_0 {
  using Block = tensor::BlockQ8_0;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    std::int32_t dot = 0;
    for (std::size_t j = 0; j < BlockQ8Act::kSize; ++j) dot += row[g].qs[j] * a.qs[j];
    return f16_to_f32(row[g].d) * a.d * static_cast<float>(dot);
  }
};

struct Q4_0 {
  using Block = tensor::BlockQ4_0;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    // sum (q - 8) * a = sum q * a - 8 * sum a
    return f16_to_f32(row[g].d) *
           (a.d * static_cast<float>(dot_nibbles(row[g].qs, a.qs)) - 8.0f * a.sum);
  }
};

struct Q4_1 {
  using Block = tensor::BlockQ4_1;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    // sum (d q + m) * (da a) = d da sum q a + m da sum a
    return f16_to_f32(row[g].d) * a.d * static_cast<float>(dot_nibbles(row[g].qs, a.qs)) +
           f16_to_f32(row[g].m) * a.sum;
  }
};

struct Q5_0 {
  using Block = tensor::BlockQ5_0;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    return f16_to_f32(row[g].d) *
           (a.d * static_cast<float>(dot_q5(row[g].qs, row[g].qh, a.qs)) - 16.0f * a.sum);
  }
};

struct Q5_1 {
  using Block = tensor::BlockQ5_1;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    return f16_to_f32(row[g].d) * a.d * static_cast<float>(dot_q5(row[g].qs, row[g].qh, a.qs)) +
           f16_to_f32(row[g].m) * a.sum;
  }
};

struct IQ4_NL {
  using Block = tensor::BlockIQ4_NL;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    std::int32_t dot = 0;
    for (std::size_t j = 0; j < 16; ++j) {
      dot += tensor::kIQ4NLValues[row[g].qs[j] & 0x0F] * a.qs[j] +
             tensor::kIQ4NLValues[row[g].qs[j] >> 4] * a.qs[j + 16];
    }
    return f16_to_f32(row[g].d) * a.d * static_cast<float>(dot);
  }
};

// Q4_K and Q5_K: group g is sub-block s = g % 8 of super-block g / 8, x = d scale[s] q -
// dmin min[s], its low four bits the nibble s % 2 of qs[(s / 2) * 32 + l] and (Q5_K) bit 4
// bit s of qh[l].
template <typename B, bool kFifthBit>
struct KQuant {
  using Block = B;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    const Block& b = row[g / 8];
    const std::size_t s = g % 8;
    const tensor::K4Scales packed = tensor::unpack_k4_scales(b.scales);
    const std::uint8_t* qs = b.qs + (s / 2) * 32;
    const int shift = 4 * static_cast<int>(s % 2);
    std::int32_t dot = 0;
    for (std::size_t l = 0; l < 32; ++l) {
      int q = (qs[l] >> shift) & 0x0F;
      if constexpr (kFifthBit) q |= ((b.qh[l] >> s) & 1) << 4;
      dot += q * a.qs[l];
    }
    return a.d * f16_to_f32(b.d) * static_cast<float>(packed.scale(s) * dot) -
           f16_to_f32(b.dmin) * static_cast<float>(packed.min(s)) * a.sum;
  }
};
using Q4_K = KQuant<tensor::BlockQ4_K, false>;
using Q5_K = KQuant<tensor::BlockQ5_K, true>;

// Q2_K and Q3_K: group g is t = g % 4 of half h = (g % 8) / 4 of super-block g / 8; element
// l takes bits 2t, 2t + 1 of qs[h * 32 + l], and its two 16-value sub-blocks are 2 * (g %
// 8) and the next. Q2_K: x = d * (scale & 15) * q - dmin * (scale >> 4). Q3_K: bit g % 8 of
// hmask[l] set adds 4 to q, which is then offset by -4; x = d * (scale - 32) * q, the
// 6-bit scales unpacked as tensor::unpack_k3_scales does.
struct Q2_K {
  using Block = tensor::BlockQ2_K;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    const Block& b = row[g / 8];
    const std::size_t h = (g % 8) / 4, t = g % 4;
    float sum = 0;
    for (std::size_t half = 0; half < 2; ++half) {
      std::int32_t dot = 0, act_sum = 0;
      for (std::size_t l = half * 16; l < half * 16 + 16; ++l) {
        dot += ((b.qs[h * 32 + l] >> (2 * t)) & 3) * a.qs[l];
        act_sum += a.qs[l];
      }
      const std::uint8_t scale = b.scales[2 * (g % 8) + half];
      sum += a.d * (f16_to_f32(b.d) * static_cast<float>((scale & 0x0F) * dot) -
                    f16_to_f32(b.dmin) * static_cast<float>((scale >> 4) * act_sum));
    }
    return sum;
  }
};

struct Q3_K {
  using Block = tensor::BlockQ3_K;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    const Block& b = row[g / 8];
    const std::size_t h = (g % 8) / 4, t = g % 4;
    std::int8_t scales[16];
    tensor::unpack_k3_scales(b.scales, scales);
    std::int32_t dot = 0;
    for (std::size_t half = 0; half < 2; ++half) {
      std::int32_t part = 0;
      for (std::size_t l = half * 16; l < half * 16 + 16; ++l) {
        const int q = ((b.qs[h * 32 + l] >> (2 * t)) & 3) + 4 * ((b.hmask[l] >> (g % 8)) & 1);
        part += (q - 4) * a.qs[l];
      }
      dot += scales[2 * (g % 8) + half] * part;
    }
    return f16_to_f32(b.d) * a.d * static_cast<float>(dot);
  }
};

// Q6_K: group g is s = g % 8 of super-block g / 8: half h = s / 4, t = s % 4; element l
// takes nibble t / 2 of ql[h * 64 + (t % 2) * 32 + l] and bits 2t, 2t + 1 of qh[h * 32 +
// l]; x = d * scales[h * 8 + 2t + l / 16] * (q - 32).
struct Q6_K {
  using Block = tensor::BlockQ6_K;
  static float group_dot(const Block* row, std::size_t g, const BlockQ8Act& a) {
    const Block& b = row[g / 8];
    const std::size_t h = (g % 8) / 4, t = g % 4;
    const std::uint8_t* ql = b.ql + h * 64 + (t % 2) * 32;
    const std::uint8_t* qh = b.qh + h * 32;
    const std::int8_t* scales = b.scales + h * 8 + 2 * t;
    std::int32_t dot = 0;
    for (std::size_t half = 0; half < 2; ++half) {
      std::int32_t part = 0;
      for (std::size_t l = half * 16; l < half * 16 + 16; ++l) {
        const int q = ((ql[l] >> (4 * (t / 2))) & 0x0F) | ((qh[l] >> (2 * t)) & 3) << 4;
        part += (q - 32) * a.qs[l];
      }
      dot += scales[half] * part;
    }
    return f16_to_f32(b.d) * a.d * static_cast<float>(dot);
  }
};

}  // namespace

void add_quant_ops_scalar(tensor::KernelTable& table) {
  table.quantize_act_q8 = quantize_act;
  QuantMatmul<GroupDot<Q8_0>>::fill(table.q8_0);
  QuantMatmul<GroupDot<Q4_0>>::fill(table.q4_0);
  QuantMatmul<GroupDot<Q4_1>>::fill(table.q4_1);
  QuantMatmul<GroupDot<Q5_0>>::fill(table.q5_0);
  QuantMatmul<GroupDot<Q5_1>>::fill(table.q5_1);
  QuantMatmul<GroupDot<Q4_K>>::fill(table.q4_k);
  QuantMatmul<GroupDot<Q5_K>>::fill(table.q5_k);
  QuantMatmul<GroupDot<Q6_K>>::fill(table.q6_k);
  QuantMatmul<GroupDot<Q2_K>>::fill(table.q2_k);
  QuantMatmul<GroupDot<Q3_K>>::fill(table.q3_k);
  QuantMatmul<GroupDot<IQ4_NL>>::fill(table.iq4_nl);
}

}  // namespace hfserve::kernels::detail
