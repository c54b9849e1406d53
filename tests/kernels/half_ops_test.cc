// GEMV with F16 and BF16 weights, every variant, against double-precision dot products of
// the weights widened by tensor's reference conversions (tested against numpy), on odd
// sizes, with special values (subnormals, zeros of both signs) among the weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/install.h"
#include "tensor/half.h"
#include "tensor/kernel_table.h"

namespace hfserve::kernels {
namespace {

class HalfOpsTest : public ::testing::TestWithParam<Isa> {};

TEST_P(HalfOpsTest, GemvMatchesWidenedDotProducts) {
  std::vector<Isa> supported = supported_isas();
  if (std::find(supported.begin(), supported.end(), GetParam()) == supported.end()) {
    GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
  }
  tensor::KernelTable table = table_for(GetParam());
  std::mt19937 rng(21);
  std::normal_distribution<float> normal(0, 1);
  for (bool bf16 : {false, true}) {
    auto narrow = bf16 ? tensor::f32_to_bf16 : tensor::f32_to_f16;
    auto widen = bf16 ? tensor::bf16_to_f32 : tensor::f16_to_f32;
    auto gemv = bf16 ? table.gemv_bf16 : table.gemv_f16;
    for (std::size_t cols : {1u, 7u, 8u, 31u, 32u, 33u, 100u, 4097u}) {
      const std::size_t rows = 5, stride = cols + 5;
      std::vector<std::uint16_t> w(rows * stride);
      for (auto& v : w) v = narrow(normal(rng));
      w[stride + 0] = 0x8000;                // -0
      if (cols > 2) w[stride + 2] = 0x0001;  // the smallest subnormal (of either format)
      std::vector<float> x(cols);
      for (float& v : x) v = normal(rng);
      std::vector<float> y(rows, -1.0f);
      gemv(w.data(), stride, cols, x.data(), 1, rows, y.data());
      EXPECT_EQ(y[0], -1.0f) << "wrote outside its rows";
      for (std::size_t r = 1; r < rows; ++r) {
        double expected = 0, magnitude = 0;
        for (std::size_t c = 0; c < cols; ++c) {
          double term = double(widen(w[r * stride + c])) * x[c];
          expected += term;
          magnitude += std::abs(term);
        }
        ASSERT_NEAR(y[r], expected, 1e-6 * (magnitude + 1))
            << isa_name(GetParam()) << (bf16 ? " bf16" : " f16") << " cols " << cols << " row "
            << r;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVariant, HalfOpsTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512,
                                           Isa::kAvx512Vnni),
                         [](const auto& param_info) {
                           return std::string(isa_name(param_info.param));
                         });

}  // namespace
}  // namespace hfserve::kernels
