// The many-token matrix products (prefill), every variant and weight format: each token's
// row equals the product computed for that token alone, bit for bit (so a request's
// numbers never depend on what else shares its batch), and both agree with
// double-precision dot products of the dequantised operands.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
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

constexpr std::size_t kRows = 37;
constexpr std::size_t kCols = 160;
const std::size_t kTokenCounts[] = {1, 3, 4, 5, 9};

class GemmTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    std::vector<Isa> supported = supported_isas();
    if (std::find(supported.begin(), supported.end(), GetParam()) == supported.end()) {
      GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
    }
    table_ = table_for(GetParam());
  }

  // Checks y [n_tokens, kRows] against each token alone and against `expected(t, r)`.
  template <typename Run, typename Expected>
  void check(const char* what, Run run, Expected expected) {
    for (std::size_t n : kTokenCounts) {
      std::vector<float> y(n * kRows, -7.0f);
      run(n, 0, y.data());
      for (std::size_t t = 0; t < n; ++t) {
        std::vector<float> alone(kRows);
        run(1, t, alone.data());
        for (std::size_t r = 0; r < kRows; ++r) {
          ASSERT_EQ(y[t * kRows + r], alone[r])
              << what << " " << isa_name(GetParam()) << " tokens " << n << " t " << t << " r " << r;
          auto [value, magnitude] = expected(t, r);
          ASSERT_NEAR(y[t * kRows + r], value, 1e-5 * (magnitude + 1e-3))
              << what << " " << isa_name(GetParam()) << " t " << t << " r " << r;
        }
      }
    }
  }

  struct Shape {
    std::size_t rows, cols, tokens;
  };

  // Checks y ([shape.tokens][y_stride]): bit for bit against `expected` (same layout) unless
  // it is null, against double-precision dot products of weight(r, c) with x's rows, and
  // that nothing was written past the rows.
  template <typename WeightAt>
  void check_products(const Shape& shape, const std::vector<float>& y,
                      const std::vector<float>* expected, std::size_t y_stride,
                      const std::vector<float>& x, std::size_t x_stride, const WeightAt& weight) {
    for (std::size_t t = 0; t < shape.tokens; ++t) {
      ASSERT_EQ(y[t * y_stride + shape.rows], -7.0f) << "wrote past its rows";
      for (std::size_t r = 0; r < shape.rows; ++r) {
        const float got = y[t * y_stride + r];
        if (expected != nullptr) {
          ASSERT_EQ(got, (*expected)[t * y_stride + r])
              << isa_name(GetParam()) << " " << shape.rows << "x" << shape.cols << " t " << t
              << " r " << r;
        }
        double sum = 0, magnitude = 0;
        for (std::size_t c = 0; c < shape.cols; ++c) {
          const double term = double(weight(r, c)) * x[t * x_stride + c];
          sum += term;
          magnitude += std::abs(term);
        }
        ASSERT_NEAR(got, sum, 1e-5 * (magnitude + 1e-3))
            << isa_name(GetParam()) << " " << shape.rows << "x" << shape.cols << " t " << t << " r "
            << r;
      }
    }
  }

  tensor::KernelTable table_;
};

TEST_P(GemmTest, FloatWeights) {
  std::mt19937 rng(31);
  std::normal_distribution<float> normal(0, 1);
  const std::size_t max_tokens = 9, x_stride = kCols + 3, row_stride = kCols + 1;
  std::vector<float> x(max_tokens * x_stride);
  for (float& v : x) v = normal(rng);
  std::vector<float> w(kRows * row_stride);
  for (float& v : w) v = normal(rng);
  std::vector<std::uint16_t> w16(w.size()), wbf(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    w16[i] = tensor::f32_to_f16(w[i]);
    wbf[i] = tensor::f32_to_bf16(w[i]);
  }
  auto reference = [&](auto widen_at) {
    return [&, widen_at](std::size_t t, std::size_t r) {
      double sum = 0, magnitude = 0;
      for (std::size_t c = 0; c < kCols; ++c) {
        double term = widen_at(r * row_stride + c) * x[t * x_stride + c];
        sum += term;
        magnitude += std::abs(term);
      }
      return std::pair<double, double>{sum, magnitude};
    };
  };
  check(
      "F32",
      [&](std::size_t n, std::size_t t0, float* y) {
        table_.gemm_f32(w.data(), row_stride, kCols, x.data() + t0 * x_stride, x_stride, n, 0,
                        kRows, y, kRows);
      },
      reference([&](std::size_t i) { return double(w[i]); }));
  check(
      "F16",
      [&](std::size_t n, std::size_t t0, float* y) {
        table_.gemm_f16(w16.data(), row_stride, kCols, x.data() + t0 * x_stride, x_stride, n, 0,
                        kRows, y, kRows);
      },
      reference([&](std::size_t i) { return double(tensor::f16_to_f32(w16[i])); }));
  check(
      "BF16",
      [&](std::size_t n, std::size_t t0, float* y) {
        table_.gemm_bf16(wbf.data(), row_stride, kCols, x.data() + t0 * x_stride, x_stride, n, 0,
                         kRows, y, kRows);
      },
      reference([&](std::size_t i) { return double(tensor::bf16_to_f32(wbf[i])); }));
}

// Shapes around the SIMD GEMM's blocking: rows around its panels (32 on AVX-512, 16 on
// AVX2), columns over its 256-column depth blocks and not a multiple of the vector width,
// token counts around its tiles (12, 6) and over its 384-token chunks. Every output against
// a double-precision dot product of the widened operands, and each token against itself
// computed alone, bit for bit; for F32 the SIMD variants' GEMV (one token) too.
TEST_P(GemmTest, FloatWeightsOddShapes) {
  std::mt19937 rng(33);
  std::normal_distribution<float> normal(0, 1);
  const Shape shapes[] = {{1, 1, 1},      {3, 3, 13},    {17, 17, 7},  {33, 33, 25},
                          {70, 300, 30},  {33, 4097, 3}, {5, 513, 12}, {40, 64, 400},
                          {20, 300, 400}, {172, 64, 4},  {64, 172, 5}, {512, 64, 3}};
  for (const Shape& shape : shapes) {
    const std::size_t x_stride = shape.cols + 1, row_stride = shape.cols + 2;
    std::vector<float> x(shape.tokens * x_stride), w(shape.rows * row_stride);
    for (float& v : x) v = normal(rng);
    for (float& v : w) v = normal(rng);
    std::vector<std::uint16_t> w16(w.size()), wbf(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) {
      w16[i] = tensor::f32_to_f16(w[i]);
      wbf[i] = tensor::f32_to_bf16(w[i]);
    }
    auto run_format = [&](const char* what, auto gemm, auto gemv, const auto* weights, auto widen) {
      std::vector<float> y(shape.tokens * shape.rows, -7.0f), alone(shape.rows), one(shape.rows);
      gemm(weights, row_stride, shape.cols, x.data(), x_stride, shape.tokens, 0, shape.rows,
           y.data(), shape.rows);
      for (std::size_t t = 0; t < shape.tokens; ++t) {
        // Alone, and split over two "threads" at an odd row.
        const std::size_t split = shape.rows / 2 + (shape.rows > 2 ? 1 : 0);
        gemm(weights, row_stride, shape.cols, x.data() + t * x_stride, x_stride, 1, 0, split,
             alone.data(), shape.rows);
        gemm(weights, row_stride, shape.cols, x.data() + t * x_stride, x_stride, 1, split,
             shape.rows, alone.data(), shape.rows);
        gemv(weights, row_stride, shape.cols, x.data() + t * x_stride, 0, shape.rows, one.data());
        for (std::size_t r = 0; r < shape.rows; ++r) {
          const float got = y[t * shape.rows + r];
          if (GetParam() != Isa::kScalar && std::string(what) == "F32") {
            ASSERT_EQ(one[r], got)
                << what << " gemv " << isa_name(GetParam()) << " t " << t << " r " << r;
          }
          ASSERT_EQ(got, alone[r])
              << what << " " << isa_name(GetParam()) << " " << shape.rows << "x" << shape.cols
              << " tokens " << shape.tokens << " t " << t << " r " << r;
          double sum = 0, magnitude = 0;
          for (std::size_t c = 0; c < shape.cols; ++c) {
            double term = widen(weights[r * row_stride + c]) * double(x[t * x_stride + c]);
            sum += term;
            magnitude += std::abs(term);
          }
          ASSERT_NEAR(got, sum, 1e-5 * (magnitude + 1e-3))
              << what << " " << isa_name(GetParam()) << " " << shape.rows << "x" << shape.cols
              << " t " << t << " r " << r;
        }
      }
    };
    run_format("F32", table_.gemm_f32, table_.gemv_f32, w.data(),
               [](float v) { return double(v); });
    run_format("F16", table_.gemm_f16, table_.gemv_f16, w16.data(),
               [](std::uint16_t v) { return double(tensor::f16_to_f32(v)); });
    run_format("BF16", table_.gemm_bf16, table_.gemv_bf16, wbf.data(),
               [](std::uint16_t v) { return double(tensor::bf16_to_f32(v)); });
  }
}

// Weights stored by columns (attention's values): the same shapes, against double-precision
// dot products, and on the SIMD variants bit for bit the product of the same weights
// stored by rows (both pack the same panels).
TEST_P(GemmTest, FloatWeightsByColumns) {
  std::mt19937 rng(35);
  std::normal_distribution<float> normal(0, 1);
  const Shape shapes[] = {{1, 1, 1},     {3, 3, 13},    {17, 17, 7},  {33, 33, 25},
                          {64, 128, 48}, {70, 300, 30}, {5, 513, 12}, {64, 4097, 3}};
  for (const Shape& shape : shapes) {
    const std::size_t x_stride = shape.cols + 1, column_stride = shape.rows + 3;
    std::vector<float> x(shape.tokens * x_stride), by_columns(shape.cols * column_stride);
    for (float& v : x) v = normal(rng);
    for (float& v : by_columns) v = normal(rng);
    std::vector<float> by_rows(shape.rows * shape.cols);
    for (std::size_t r = 0; r < shape.rows; ++r) {
      for (std::size_t c = 0; c < shape.cols; ++c) {
        by_rows[r * shape.cols + c] = by_columns[c * column_stride + r];
      }
    }
    const std::size_t y_stride = shape.rows + 1;
    std::vector<float> y(shape.tokens * y_stride, -7.0f), expected(y.size(), -7.0f);
    // Split over two "threads" at an odd row.
    const std::size_t split = shape.rows / 2 + (shape.rows > 2 ? 1 : 0);
    table_.gemm_f32_by_columns(by_columns.data(), column_stride, shape.cols, x.data(), x_stride,
                               shape.tokens, 0, split, y.data(), y_stride);
    table_.gemm_f32_by_columns(by_columns.data(), column_stride, shape.cols, x.data(), x_stride,
                               shape.tokens, split, shape.rows, y.data(), y_stride);
    table_.gemm_f32(by_rows.data(), shape.cols, shape.cols, x.data(), x_stride, shape.tokens, 0,
                    shape.rows, expected.data(), y_stride);
    ASSERT_NO_FATAL_FAILURE(check_products(
        shape, y, GetParam() != Isa::kScalar ? &expected : nullptr, y_stride, x, x_stride,
        [&](std::size_t r, std::size_t c) { return by_columns[c * column_stride + r]; }));
  }
}

// F32 weights packed at load (PackedFloatMatmul) give gemm_f32's bits, split over two
// "threads" at a panel boundary, for few tokens and for the many-token path (chunks of
// tokens, copied activations); the last panel's padding rows are never written.
TEST_P(GemmTest, PackedFloatWeights) {
  const tensor::PackedFloatMatmul& packed = table_.packed_f32;
  if (GetParam() == Isa::kScalar) {
    EXPECT_EQ(packed.rows, 0u) << "the scalar reference packs nothing";
    return;
  }
  ASSERT_NE(packed.rows, 0u);
  std::mt19937 rng(36);
  std::normal_distribution<float> normal(0, 1);
  const Shape shapes[] = {{1, 1, 1},      {17, 17, 7},    {33, 300, 1},  {64, 128, 48},
                          {70, 300, 230}, {33, 300, 400}, {5, 513, 130}, {96, 1000, 90}};
  for (const Shape& shape : shapes) {
    const std::size_t x_stride = shape.cols + 1;
    std::vector<float> x(shape.tokens * x_stride), w(shape.rows * shape.cols);
    for (float& v : x) v = normal(rng);
    for (float& v : w) v = normal(rng);
    std::vector<float> layout(packed.floats(shape.rows, shape.cols));
    packed.pack(w.data(), shape.cols, shape.rows, shape.cols, layout.data());
    const std::size_t y_stride = shape.rows + 1;
    std::vector<float> y(shape.tokens * y_stride, -7.0f), expected(y.size(), -7.0f);
    const std::size_t groups = (shape.rows + packed.rows - 1) / packed.rows;
    const std::size_t split = std::min(shape.rows, (groups + 1) / 2 * packed.rows);
    packed.gemm(layout.data(), shape.cols, shape.cols, x.data(), x_stride, shape.tokens, 0, split,
                y.data(), y_stride);
    packed.gemm(layout.data(), shape.cols, shape.cols, x.data(), x_stride, shape.tokens, split,
                shape.rows, y.data(), y_stride);
    table_.gemm_f32(w.data(), shape.cols, shape.cols, x.data(), x_stride, shape.tokens, 0,
                    shape.rows, expected.data(), y_stride);
    ASSERT_NO_FATAL_FAILURE(
        check_products(shape, y, &expected, y_stride, x, x_stride,
                       [&](std::size_t r, std::size_t c) { return w[r * shape.cols + c]; }));
  }
}

TEST_P(GemmTest, QuantisedWeights) {
  std::mt19937 rng(32);
  std::normal_distribution<float> normal(0, 1);
  // Two K-quant super-blocks per row.
  const std::size_t cols = 512, max_tokens = 9, blocks = cols / 32;
  std::vector<float> x(max_tokens * cols);
  for (float& v : x) v = normal(rng);
  std::vector<BlockQ8Act> xq(max_tokens * blocks);
  table_.quantize_act_q8(x.data(), x.size(), xq.data());
  for (DType type : kQuantKernelTypes) {
    const std::size_t row_bytes = *tensor::dtype_bytes(type, cols);
    std::vector<std::uint8_t> w = random_quant_weights(type, kRows, cols, rng);
    std::vector<float> dequantised(kRows * cols);
    for (std::size_t r = 0; r < kRows; ++r) {
      tensor::dequantize_row(type, w.data() + r * row_bytes, dequantised.data() + r * cols, cols);
    }
    const tensor::QuantMatmulKernels* kernels = table_.quant_matmul(type);
    ASSERT_NE(kernels, nullptr) << tensor::dtype_name(type);
    check(
        std::string(tensor::dtype_name(type)).c_str(),
        [&](std::size_t n, std::size_t t0, float* y) {
          kernels->gemm(w.data(), row_bytes, cols, xq.data() + t0 * blocks, n, 0, kRows, y, kRows);
        },
        [&](std::size_t t, std::size_t r) {
          double sum = 0, magnitude = 0;
          for (std::size_t c = 0; c < cols; ++c) {
            const BlockQ8Act& a = xq[t * blocks + c / 32];
            double term = double(dequantised[r * cols + c]) * a.d * a.qs[c % 32];
            sum += term;
            magnitude += std::abs(term);
          }
          return std::pair<double, double>{sum, magnitude};
        });
  }
}

// The layouts a variant repacks weights into at load (PackedQuantMatmul): the same
// contract on the packed rows, for row ranges of whole groups, token counts around the
// kernel's tile of 8, and a range that leaves the rows outside it untouched.
TEST_P(GemmTest, PackedQuantisedWeights) {
  std::mt19937 rng(64);
  std::normal_distribution<float> normal(0, 1);
  const std::size_t cols = 256, blocks = cols / 32;
  std::size_t tested = 0;
  for (DType type : kQuantKernelTypes) {
    const tensor::PackedQuantMatmul& packed = table_.quant_matmul(type)->packed;
    if (packed.rows == 0) continue;
    ++tested;
    const std::size_t rows = 3 * packed.rows, row_bytes = *tensor::dtype_bytes(type, cols);
    std::vector<std::uint8_t> w = random_quant_weights(type, rows, cols, rng);
    std::vector<std::uint8_t> layout(packed.bytes(rows, cols));
    EXPECT_LE(layout.size(), w.size() * 105 / 100) << "a layout may take up to 5% more";
    packed.pack(w.data(), row_bytes, rows, cols, layout.data());
    std::vector<float> dequantised(rows * cols);
    for (std::size_t r = 0; r < rows; ++r) {
      tensor::dequantize_row(type, w.data() + r * row_bytes, dequantised.data() + r * cols, cols);
    }
    for (std::size_t n : {1, 7, 8, 9, 17}) {
      std::vector<float> x(n * cols);
      for (float& v : x) v = normal(rng);
      std::vector<BlockQ8Act> xq(n * blocks);
      table_.quantize_act_q8(x.data(), x.size(), xq.data());
      std::vector<float> y(n * rows, -7.0f);
      packed.gemm(layout.data(), row_bytes, cols, xq.data(), n, 0, rows, y.data(), rows);
      std::vector<float> middle(n * rows, -7.0f);
      packed.gemm(layout.data(), row_bytes, cols, xq.data(), n, packed.rows, 2 * packed.rows,
                  middle.data(), rows);
      for (std::size_t t = 0; t < n; ++t) {
        std::vector<float> alone(rows);
        packed.gemm(layout.data(), row_bytes, cols, xq.data() + t * blocks, 1, 0, rows,
                    alone.data(), rows);
        for (std::size_t r = 0; r < rows; ++r) {
          const std::string what = std::string(tensor::dtype_name(type)) + " " +
                                   std::string(isa_name(GetParam())) + " tokens " +
                                   std::to_string(n) + " t " + std::to_string(t) + " r " +
                                   std::to_string(r);
          ASSERT_EQ(y[t * rows + r], alone[r]) << what;
          const bool inside = r >= packed.rows && r < 2 * packed.rows;
          ASSERT_EQ(middle[t * rows + r], inside ? y[t * rows + r] : -7.0f) << what;
          double sum = 0, magnitude = 0;
          for (std::size_t c = 0; c < cols; ++c) {
            const BlockQ8Act& a = xq[t * blocks + c / 32];
            const double term = double(dequantised[r * cols + c]) * a.d * a.qs[c % 32];
            sum += term;
            magnitude += std::abs(term);
          }
          ASSERT_NEAR(y[t * rows + r], sum, 1e-5 * (magnitude + 1e-3)) << what;
        }
      }
    }
  }
  if (GetParam() == Isa::kAvx512Vnni) {
    EXPECT_GE(tested, 3u) << "Q8_0, Q4_0 and Q4_K have packed layouts";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVariant, GemmTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512,
                                           Isa::kAvx512Vnni),
                         [](const auto& param_info) {
                           return std::string(isa_name(param_info.param));
                         });

}  // namespace
}  // namespace hfserve::kernels
