// The F32 ops: the scalar path against double-precision formulas written here, and every
// SIMD variant against the scalar path, on random inputs and odd sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/install.h"
#include "tensor/kernel_table.h"

namespace hfserve::kernels {
namespace {

const std::vector<std::size_t> kSizes = {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257, 4097};

std::vector<float> random_vector(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// |a - b| <= tol * (|b| + floor): relative, with a floor for values near zero.
void expect_close(const std::vector<float>& actual, const std::vector<double>& expected, double tol,
                  double floor, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    ASSERT_LE(std::abs(actual[i] - expected[i]), tol * (std::abs(expected[i]) + floor))
        << what << " at " << i << ": " << actual[i] << " vs " << expected[i];
  }
}

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

TEST(F32OpsScalarTest, MatchesDoublePrecisionFormulas) {
  tensor::KernelTable t = table_for(Isa::kScalar);
  std::mt19937 rng(1);
  for (std::size_t n : kSizes) {
    std::vector<float> x = random_vector(n, rng), w = random_vector(n, rng);
    std::vector<float> up = random_vector(n, rng, 3.0f);

    double ss = 0;
    for (float v : x) ss += double(v) * v;
    std::vector<double> norm(n), silu(n), sum(n), soft(n);
    double max = *std::max_element(x.begin(), x.end()), z = 0;
    for (std::size_t i = 0; i < n; ++i) {
      norm[i] = x[i] / std::sqrt(ss / n + 1e-5) * w[i];
      silu[i] = x[i] / (1 + std::exp(-double(x[i]))) * up[i];
      sum[i] = double(x[i]) + w[i];
      z += std::exp(x[i] - max);
    }
    for (std::size_t i = 0; i < n; ++i) soft[i] = std::exp(x[i] - max) / z;

    std::vector<float> out(n);
    t.rms_norm_f32(x.data(), w.data(), 1e-5f, n, out.data());
    expect_close(out, norm, 1e-5, 1e-3, "rms_norm");
    t.silu_mul_f32(x.data(), up.data(), n, out.data());
    expect_close(out, silu, 1e-5, 1e-3, "silu_mul");
    t.add_f32(x.data(), w.data(), n, out.data());
    expect_close(out, sum, 1e-6, 1e-6, "add");
    out = x;
    t.softmax_f32(out.data(), n);
    expect_close(out, soft, 1e-5, 1e-6, "softmax");

    double mean = 0, var = 0;
    for (float v : x) mean += v;
    mean /= n;
    for (float v : x) var += (v - mean) * (v - mean);
    var /= n;
    std::vector<double> ln(n), gelu_erf(n), gelu_tanh(n);
    for (std::size_t i = 0; i < n; ++i) {
      ln[i] = (x[i] - mean) / std::sqrt(var + 1e-5) * w[i] + up[i];
      gelu_erf[i] = 0.5 * x[i] * (1 + std::erf(x[i] / std::sqrt(2.0)));
      double u = std::sqrt(2 / M_PI) * (x[i] + 0.044715 * std::pow(double(x[i]), 3));
      gelu_tanh[i] = 0.5 * x[i] * (1 + std::tanh(u));
    }
    t.layer_norm_f32(x.data(), w.data(), up.data(), 1e-5f, n, out.data());
    expect_close(out, ln, 1e-5, 1.0, "layer_norm");
    // 1 + erf(x) cancels for negative x in F32 (as in PyTorch): absolute error on |x| scale.
    t.gelu_erf_f32(x.data(), n, out.data());
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_NEAR(out[i], gelu_erf[i], 2e-7 * (1 + std::abs(x[i])));
    t.gelu_tanh_f32(x.data(), n, out.data());
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_NEAR(out[i], gelu_tanh[i], 2e-7 * (1 + std::abs(x[i])));

    std::size_t rows = 5, stride = n + 3;
    std::vector<float> m = random_vector(rows * stride, rng);
    std::vector<float> y(rows, -1.0f);
    t.gemv_f32(m.data(), stride, n, x.data(), 1, rows, y.data());
    EXPECT_EQ(y[0], -1.0f) << "gemv wrote outside its rows";
    for (std::size_t r = 1; r < rows; ++r) {
      double dot = 0, mag = 0;
      for (std::size_t c = 0; c < n; ++c) {
        dot += double(m[r * stride + c]) * x[c];
        mag += std::abs(double(m[r * stride + c]) * x[c]);
      }
      ASSERT_LE(std::abs(y[r] - dot), 1e-6 * n * (mag + 1)) << "gemv n " << n << " row " << r;
    }
  }
}

// RoPE against the rotation written out here, for both pair layouts, partial rotary
// dimensions and YaRN's attention factor; angles as HF computes them (an F32 product).
TEST(F32OpsScalarTest, RopeRotatesThePairsOfEachLayout) {
  tensor::KernelTable t = table_for(Isa::kScalar);
  std::mt19937 rng(5);
  const std::size_t tokens = 3, heads = 2;
  for (std::size_t head_dim : {4u, 64u, 128u}) {
    for (std::size_t rotary_dim : {head_dim, head_dim / 2}) {
      for (bool neox : {true, false}) {
        std::vector<float> x = random_vector(tokens * heads * head_dim, rng);
        std::vector<float> inv_freq(rotary_dim / 2);
        for (std::size_t i = 0; i < inv_freq.size(); ++i) {
          inv_freq[i] = static_cast<float>(1.0 / std::pow(10000.0, 2.0 * i / rotary_dim));
        }
        std::vector<std::int32_t> positions = {0, 17, 100000};
        std::vector<float> y = x;
        t.rope_f32(y.data(), tokens, heads, head_dim, rotary_dim, positions.data(), inv_freq.data(),
                   1.25f, neox);
        for (std::size_t tk = 0; tk < tokens; ++tk) {
          for (std::size_t h = 0; h < heads; ++h) {
            const float* in = &x[(tk * heads + h) * head_dim];
            const float* got = &y[(tk * heads + h) * head_dim];
            std::vector<double> expected(in, in + head_dim);
            for (std::size_t i = 0; i < rotary_dim / 2; ++i) {
              double angle = static_cast<float>(positions[tk]) * inv_freq[i];
              std::size_t a = neox ? i : 2 * i, b = neox ? i + rotary_dim / 2 : 2 * i + 1;
              expected[a] = 1.25 * (in[a] * std::cos(angle) - in[b] * std::sin(angle));
              expected[b] = 1.25 * (in[b] * std::cos(angle) + in[a] * std::sin(angle));
            }
            for (std::size_t d = 0; d < head_dim; ++d) {
              ASSERT_NEAR(got[d], expected[d], 2e-6 * (1 + std::abs(expected[d])))
                  << "head_dim " << head_dim << " rotary " << rotary_dim << " neox " << neox
                  << " token " << tk << " d " << d;
            }
          }
        }
      }
    }
  }
}

class F32OpsSimdTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    std::vector<Isa> supported = supported_isas();
    if (std::find(supported.begin(), supported.end(), GetParam()) == supported.end()) {
      GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
    }
    simd_ = table_for(GetParam());
    scalar_ = table_for(Isa::kScalar);
  }
  tensor::KernelTable simd_, scalar_;
};

TEST_P(F32OpsSimdTest, MatchesScalarOnOddSizes) {
  std::mt19937 rng(2);
  for (std::size_t n : kSizes) {
    std::string at = std::string(isa_name(GetParam())) + " n=" + std::to_string(n);
    // Wide inputs reach exp's clamped range: softmax and silu must stay finite there.
    std::vector<float> x = random_vector(n, rng, n % 2 ? 1.0f : 60.0f);
    std::vector<float> w = random_vector(n, rng), up = random_vector(n, rng);
    std::vector<float> a(n), b(n);

    scalar_.rms_norm_f32(x.data(), w.data(), 1e-6f, n, a.data());
    simd_.rms_norm_f32(x.data(), w.data(), 1e-6f, n, b.data());
    expect_close(b, to_double(a), 2e-6, 1e-3, "rms_norm " + at);

    scalar_.layer_norm_f32(x.data(), w.data(), up.data(), 1e-5f, n, a.data());
    simd_.layer_norm_f32(x.data(), w.data(), up.data(), 1e-5f, n, b.data());
    expect_close(b, to_double(a), 2e-6, 1.0, "layer_norm " + at);
    scalar_.layer_norm_f32(x.data(), w.data(), nullptr, 1e-5f, n, a.data());
    simd_.layer_norm_f32(x.data(), w.data(), nullptr, 1e-5f, n, b.data());
    expect_close(b, to_double(a), 2e-6, 1.0, "layer_norm without bias " + at);

    // erf's polynomial has an absolute error of 1.5e-7: compare on |x| scale.
    scalar_.gelu_erf_f32(x.data(), n, a.data());
    simd_.gelu_erf_f32(x.data(), n, b.data());
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(b[i], a[i], 2e-7 * (1 + std::abs(x[i]))) << "gelu_erf " << at << " x " << x[i];
    }
    scalar_.gelu_tanh_f32(x.data(), n, a.data());
    simd_.gelu_tanh_f32(x.data(), n, b.data());
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(b[i], a[i], 2e-7 * (1 + std::abs(x[i]))) << "gelu_tanh " << at << " x " << x[i];
    }

    scalar_.silu_mul_f32(x.data(), up.data(), n, a.data());
    simd_.silu_mul_f32(x.data(), up.data(), n, b.data());
    expect_close(b, to_double(a), 2e-6, 1e-6, "silu_mul " + at);

    scalar_.add_f32(x.data(), w.data(), n, a.data());
    simd_.add_f32(x.data(), w.data(), n, b.data());
    expect_close(b, to_double(a), 0, 0, "add " + at);

    a = x;
    b = x;
    scalar_.softmax_f32(a.data(), n);
    simd_.softmax_f32(b.data(), n);
    expect_close(b, to_double(a), 2e-6, 1e-7, "softmax " + at);

    // In place (out aliases the input) as the models call them.
    b = x;
    simd_.add_f32(b.data(), w.data(), n, b.data());
    scalar_.add_f32(x.data(), w.data(), n, a.data());
    expect_close(b, to_double(a), 0, 0, "add in place " + at);

    std::size_t rows = 9, stride = n + 1;
    std::vector<float> m = random_vector(rows * stride, rng);
    std::vector<float> ya(rows), yb(rows);
    scalar_.gemv_f32(m.data(), stride, n, x.data(), 0, rows, ya.data());
    simd_.gemv_f32(m.data(), stride, n, x.data(), 0, rows, yb.data());
    for (std::size_t r = 0; r < rows; ++r) {
      double mag = 0;
      for (std::size_t c = 0; c < n; ++c) mag += std::abs(double(m[r * stride + c]) * x[c]);
      ASSERT_LE(std::abs(ya[r] - yb[r]), 1e-6 * (mag + 1)) << "gemv " << at << " row " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVariant, F32OpsSimdTest,
                         ::testing::Values(Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni),
                         [](const auto& param_info) {
                           return std::string(isa_name(param_info.param));
                         });

}  // namespace
}  // namespace hfserve::kernels
