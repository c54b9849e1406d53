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
      ASSERT_EQ(q[b].qsum, sum);
      ASSERT_EQ(ref[b].qsum, sum);
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

// Random block bytes are valid blocks of every type; the scales are kept in a sane range.
std::vector<std::uint8_t> random_weights(DType type, std::size_t rows, std::size_t cols,
                                         std::mt19937& rng) {
  const auto& info = tensor::dtype_info(type);
  std::size_t blocks = rows * cols / info.block_size;
  std::vector<std::uint8_t> bytes(blocks * info.type_size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng());
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  for (std::size_t b = 0; b < blocks; ++b) {
    std::uint8_t* block = bytes.data() + b * info.type_size;
    std::uint16_t d = tensor::f32_to_f16(scale(rng)), m = tensor::f32_to_f16(scale(rng));
    std::memcpy(block, &d, 2);
    if (type == DType::kQ4_1) std::memcpy(block + 2, &m, 2);
  }
  return bytes;
}

TEST_P(QuantOpsTest, GemvMatchesDequantisedDotProducts) {
  std::mt19937 rng(12);
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_1}) {
    tensor::QuantGemv gemv = type == DType::kQ8_0   ? table_.gemv_q8_0
                             : type == DType::kQ4_0 ? table_.gemv_q4_0
                                                    : table_.gemv_q4_1;
    for (std::size_t cols : {32u, 96u, 544u, 1056u, 2048u}) {
      const std::size_t rows = 7;
      const std::size_t row_bytes = *tensor::dtype_bytes(type, cols);
      std::vector<std::uint8_t> w = random_weights(type, rows, cols, rng);
      std::vector<float> x = activations(cols, rng);
      std::vector<BlockQ8Act> xq(cols / 32);
      scalar_.quantize_act_q8(x.data(), cols, xq.data());
      std::vector<float> y(rows, -1.0f);
      gemv(w.data(), row_bytes, cols, xq.data(), 1, rows, y.data());
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
