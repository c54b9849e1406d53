// Quantised GEMV, every variant and weight type, against double-precision dot products of
// the dequantised operands: the weights through tensor::dequantize_row (itself bit-exact
// with gguf-py) and the activations as d * q. The activation quantiser is checked for its
// contract, and every SIMD variant bit-exact against the scalar one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "../support/random_quant_weights.h"
#include "kernels/install.h"
#include "tensor/dequantize.h"
#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tensor/kernel_table.h"

namespace hfserve::kernels {
namespace {

using tensor::BlockQ8Act;
using tensor::DType;

class QuantOpsTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    std::vector<Isa> supported = supported_isas();
    if (std::find(supported.begin(), supported.end(), GetParam()) == supported.end()) {
      GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
    }
    table_ = table_for(GetParam());
    scalar_ = table_for(Isa::kScalar);
  }
  tensor::KernelTable table_, scalar_;
};

std::vector<float> activations(std::size_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 2);
  std::vector<float> x(n);
  for (float& v : x) v = normal(rng);
  // A block of zeros, and a block with exact ties (k + 0.5 steps of its scale).
  std::fill_n(x.begin(), 32, 0.0f);
  if (n >= 64) {
    for (std::size_t i = 0; i < 32; ++i) x[32 + i] = (static_cast<float>(i) - 15.5f);
    x[63] = 127.0f;
  }
  return x;
}

TEST_P(QuantOpsTest, ActivationQuantiserKeepsItsContract) {
  std::mt19937 rng(11);
  for (std::size_t n : {32u, 64u, 4096u}) {
    std::vector<float> x = activations(n, rng);
    std::vector<BlockQ8Act> q(n / 32), ref(n / 32);
    table_.quantize_act_q8(x.data(), n, q.data());
    scalar_.quantize_act_q8(x.data(), n, ref.data());
    for (std::size_t b = 0; b < n / 32; ++b) {
      float amax = 0;
      std::int32_t sum = 0;
      for (std::size_t i = 0; i < 32; ++i) amax = std::max(amax, std::abs(x[b * 32 + i]));
      ASSERT_EQ(q[b].d, amax / 127.0f) << "block " << b;
      for (std::size_t i = 0; i < 32; ++i) {
        sum += q[b].qs[i];
        double err = std::abs(x[b * 32 + i] - double(q[b].d) * q[b].qs[i]);
        ASSERT_LE(err, q[b].d * 0.5 * (1 + 1e-6)) << "block " << b << " element " << i;
        ASSERT_EQ(q[b].qs[i], ref[b].qs[i])
            << isa_name(GetParam()) << " block " << b << " element " << i;
      }
      ASSERT_EQ(q[b].sum, q[b].d * static_cast<float>(sum));
      ASSERT_EQ(ref[b].sum, ref[b].d * static_cast<float>(sum));
      std::int32_t first = 0;
      for (std::size_t i = 0; i < 16; ++i) first += q[b].qs[i];
      ASSERT_EQ(q[b].half_sums[0], q[b].d * static_cast<float>(first));
      ASSERT_EQ(q[b].half_sums[1], q[b].d * static_cast<float>(sum - first));
      ASSERT_EQ(ref[b].half_sums[0], q[b].half_sums[0]);
      ASSERT_EQ(ref[b].half_sums[1], q[b].half_sums[1]);
    }
  }
  // Exact halves round away from zero, as std::round (and gguf's np_roundf) do.
  std::vector<float> halves(32);
  for (std::size_t i = 0; i < 32; ++i) halves[i] = static_cast<float>(i) - 15.5f;
  halves[0] = -127.0f;
  BlockQ8Act block;
  table_.quantize_act_q8(halves.data(), 32, &block);
  EXPECT_EQ(block.qs[1], -15);  // -14.5
  EXPECT_EQ(block.qs[16], 1);   // 0.5
  EXPECT_EQ(block.qs[31], 16);  // 15.5
}

TEST_P(QuantOpsTest, GemvMatchesDequantisedDotProducts) {
  std::mt19937 rng(12);
  for (DType type : kQuantKernelTypes) {
    const tensor::QuantMatmulKernels* kernels = table_.quant_matmul(type);
    ASSERT_NE(kernels, nullptr) << tensor::dtype_name(type);
    const std::size_t block = tensor::dtype_info(type).block_size;
    for (std::size_t cols : {32u, 96u, 256u, 544u, 1056u, 2048u, 2304u}) {
      if (cols % block != 0) continue;
      const std::size_t rows = 7;
      const std::size_t row_bytes = *tensor::dtype_bytes(type, cols);
      std::vector<std::uint8_t> w = random_quant_weights(type, rows, cols, rng);
      std::vector<float> x = activations(cols, rng);
      std::vector<BlockQ8Act> xq(cols / 32);
      scalar_.quantize_act_q8(x.data(), cols, xq.data());
      std::vector<float> y(rows, -1.0f);
      kernels->gemv(w.data(), row_bytes, cols, xq.data(), 1, rows, y.data());
      EXPECT_EQ(y[0], -1.0f) << "wrote outside its rows";

      std::vector<float> row(cols);
      for (std::size_t r = 1; r < rows; ++r) {
        tensor::dequantize_row(type, w.data() + r * row_bytes, row.data(), cols);
        double expected = 0, magnitude = 0;
        for (std::size_t c = 0; c < cols; ++c) {
          double a = double(xq[c / 32].d) * xq[c / 32].qs[c % 32];
          expected += row[c] * a;
          magnitude += std::abs(row[c] * a);
        }
        ASSERT_NEAR(y[r], expected, 1e-5 * (magnitude + 1e-3))
            << isa_name(GetParam()) << " " << tensor::dtype_name(type) << " cols " << cols
            << " row " << r;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVariant, QuantOpsTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512,
                                           Isa::kAvx512Vnni),
                         [](const auto& param_info) {
                           return std::string(isa_name(param_info.param));
                         });

}  // namespace
}  // namespace hfserve::kernels
