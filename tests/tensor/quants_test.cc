// Dequantisation and quantisation against gguf-py (tests/tensor/quants_reference.py, run at
// test time): bit-exact for every block type it defines, error bounds for Q4_K, whose
// quantiser gguf-py lacks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "tensor/dequantize.h"
#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tensor/quantize.h"

namespace hfserve::tensor {
namespace {

using hfserve::testing::read_bytes;
using hfserve::testing::TempDir;

class QuantsTest : public ::testing::Test {
 protected:
  // The reference data is made once per process, in the first test's SetUp, so that a
  // failing script fails the test instead of skipping it.
  void SetUp() override {
    if (dir_ != nullptr) return;
    dir_ = new TempDir("quants");
    hfserve::testing::run_reference_script("tensor/quants_reference.py", dir_->path().string());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  template <typename T>
  static std::vector<T> read_array(const std::string& name) {
    std::vector<char> bytes = read_bytes(dir_->file(name));
    std::vector<T> out(bytes.size() / sizeof(T));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
  }

  static TempDir* dir_;
};
TempDir* QuantsTest::dir_ = nullptr;

std::uint32_t bits_of(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

class DequantizeTest : public QuantsTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(DequantizeTest, BitExactWithGgufPy) {
  const std::string name = GetParam();
  const DType dtype = name == "F16"    ? DType::kF16
                      : name == "BF16" ? DType::kBF16
                                       : *dtype_from_ggml_type([&] {
                                           for (std::uint32_t id = 0; id < 40; ++id) {
                                             auto d = dtype_from_ggml_type(id);
                                             if (d && dtype_name(*d) == name) return id;
                                           }
                                           return 0u;
                                         }());
  ASSERT_EQ(dtype_name(dtype), name);
  std::vector<char> blocks = read_bytes(dir_->file(name + ".blocks"));
  std::vector<float> expected = read_array<float>(name + ".f32");
  const DTypeInfo& info = dtype_info(dtype);
  ASSERT_EQ(blocks.size() / info.type_size * info.block_size, expected.size());
  ASSERT_EQ(dtype_bytes(dtype, expected.size()), blocks.size());

  // An odd start address: blocks in a mapped file need not be aligned.
  std::vector<char> shifted(blocks.size() + 1);
  std::memcpy(shifted.data() + 1, blocks.data(), blocks.size());
  std::vector<float> got(expected.size());
  dequantize_row(dtype, shifted.data() + 1, got.data(), got.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (bits_of(got[i]) != bits_of(expected[i]) && mismatches++ < 5) {
      ADD_FAILURE() << name << " element " << i << ": got " << got[i] << " expected "
                    << expected[i];
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, DequantizeTest,
                         ::testing::Values("F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                           "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST_F(QuantsTest, FloatToHalfMatchesNumpy) {
  std::vector<float> src = read_array<float>("convert_src.f32");
  std::vector<std::uint16_t> f16 = read_array<std::uint16_t>("convert.f16");
  std::vector<std::uint16_t> bf16 = read_array<std::uint16_t>("convert.bf16");
  ASSERT_EQ(src.size(), f16.size());
  ASSERT_EQ(src.size(), bf16.size());
  std::size_t bad_f16 = 0;
  std::size_t bad_bf16 = 0;
  for (std::size_t i = 0; i < src.size(); ++i) {
    if (f32_to_f16(src[i]) != f16[i] && bad_f16++ < 5) {
      ADD_FAILURE() << "f16 of " << src[i] << ": got " << f32_to_f16(src[i]) << " numpy " << f16[i];
    }
    if (f32_to_bf16(src[i]) != bf16[i] && bad_bf16++ < 5) {
      ADD_FAILURE() << "bf16 of " << src[i];
    }
  }
  EXPECT_EQ(bad_f16, 0u);
  EXPECT_EQ(bad_bf16, 0u);
}

class QuantizeTest : public QuantsTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(QuantizeTest, BitExactWithGgufPy) {
  const std::string name = GetParam();
  const DType dtype = name == "Q8_0" ? DType::kQ8_0 : DType::kQ4_0;
  std::vector<float> src = read_array<float>("quant_src.f32");
  std::vector<char> expected = read_bytes(dir_->file(name + ".quantized"));
  ASSERT_EQ(dtype_bytes(dtype, src.size()), expected.size());
  std::vector<char> got(expected.size() + 1);
  quantize_row(dtype, src.data(), got.data() + 1, src.size());
  const std::size_t block_bytes = dtype_info(dtype).type_size;
  std::size_t bad_blocks = 0;
  for (std::size_t b = 0; b < expected.size() / block_bytes; ++b) {
    if (std::memcmp(got.data() + 1 + b * block_bytes, expected.data() + b * block_bytes,
                    block_bytes) != 0 &&
        bad_blocks++ < 5) {
      ADD_FAILURE() << name << " block " << b << " differs";
    }
  }
  EXPECT_EQ(bad_blocks, 0u);
}

INSTANTIATE_TEST_SUITE_P(Targets, QuantizeTest, ::testing::Values("Q8_0", "Q4_0"),
                         [](const auto& param_info) { return std::string(param_info.param); });

double rms_error(const std::vector<float>& a, const std::vector<float>& b, std::size_t begin,
                 std::size_t end) {
  double sum = 0;
  for (std::size_t i = begin; i < end; ++i) sum += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(sum / double(end - begin));
}

// gguf-py has no Q4_K quantiser, so Q4_K is checked by its round trip through the
// dequantiser above (bit-exact with gguf-py): per element within one step of its
// sub-block's grid, and on Gaussian rows at least as accurate as Q4_0, which spends the
// same 4.5 bits per weight.
TEST_F(QuantsTest, Q4KRoundTripIsWithinItsGrid) {
  std::vector<float> src = read_array<float>("quant_src.f32");
  std::vector<char> q4k(*dtype_bytes(DType::kQ4_K, src.size()));
  quantize_row(DType::kQ4_K, src.data(), q4k.data(), src.size());
  std::vector<float> back(src.size());
  dequantize_row(DType::kQ4_K, q4k.data(), back.data(), src.size());

  std::vector<char> q40(*dtype_bytes(DType::kQ4_0, src.size()));
  quantize_row(DType::kQ4_0, src.data(), q40.data(), src.size());
  std::vector<float> back40(src.size());
  dequantize_row(DType::kQ4_0, q40.data(), back40.data(), src.size());

  // Row 0 is 4096 standard-normal values.
  const double rms_k = rms_error(src, back, 0, 4096);
  const double rms_0 = rms_error(src, back40, 0, 4096);
  EXPECT_LT(rms_k, rms_0);
  EXPECT_LT(rms_k, 0.12);  // a 4-bit grid over ~[-3, 3]: step 0.4, rms step/sqrt(12) ~ 0.11
  // Every element: within 1.5 steps of its sub-block's own grid, plus what storing the
  // sub-block scales and offsets as 6-bit multiples of the super-block's (largest range / 63)
  // costs when an outlier widens another sub-block of the same super-block, plus the floor
  // of the half-precision super-block scales (2^-24 per unit, times 15 * 63 at most).
  auto range_of = [&](std::size_t sb) {
    float lo = 0.0f;
    float hi = src[sb * 32];
    for (std::size_t i = sb * 32; i < sb * 32 + 32; ++i) {
      lo = std::min(lo, src[i]);
      hi = std::max(hi, src[i]);
    }
    return hi - lo;
  };
  for (std::size_t sb = 0; sb < src.size() / 32; ++sb) {
    float super_range = 0.0f;
    for (std::size_t other = sb / 8 * 8; other < sb / 8 * 8 + 8; ++other) {
      super_range = std::max(super_range, range_of(other));
    }
    const float bound =
        range_of(sb) / 15.0f * 1.5f + super_range / 63.0f + 15.0f * 63.0f * 5.9604645e-8f;
    for (std::size_t i = sb * 32; i < sb * 32 + 32; ++i) {
      ASSERT_LE(std::fabs(back[i] - src[i]), bound) << "element " << i << " of sub-block " << sb;
    }
  }
  // Zero stays exactly zero, constant blocks come back to within half precision.
  for (std::size_t i = 4096 * 2 + 1024; i < 4096 * 2 + 2048; ++i) EXPECT_EQ(back[i], 0.0f);
  for (std::size_t i = 4096 * 2; i < 4096 * 2 + 1024; ++i) EXPECT_NEAR(back[i], 0.125f, 1e-3f);
}

// FP8 values from the OCP 8-bit floating point specification's tables (no reference library
// in the venv reads FP8).
TEST(Fp8Test, DecodesTheSpecsLandmarks) {
  EXPECT_EQ(f8e4m3_to_f32(0x7e), 448.0f);
  EXPECT_EQ(f8e4m3_to_f32(0xfe), -448.0f);
  EXPECT_EQ(f8e4m3_to_f32(0x01), 0.001953125f);  // 2^-9, smallest subnormal
  EXPECT_EQ(f8e4m3_to_f32(0x08), 0.015625f);     // 2^-6, smallest normal
  EXPECT_EQ(f8e4m3_to_f32(0x38), 1.0f);
  EXPECT_TRUE(std::isnan(f8e4m3_to_f32(0x7f)));
  EXPECT_EQ(f8e5m2_to_f32(0x7b), 57344.0f);
  EXPECT_EQ(f8e5m2_to_f32(0x01), 1.52587890625e-05f);  // 2^-16
  EXPECT_EQ(f8e5m2_to_f32(0x3c), 1.0f);
  EXPECT_TRUE(std::isinf(f8e5m2_to_f32(0x7c)));
}

TEST(DTypeTest, SizesAndNames) {
  EXPECT_EQ(dtype_bytes(DType::kQ4_K, 512), 288u);
  EXPECT_EQ(dtype_bytes(DType::kQ4_K, 100), std::nullopt);
  EXPECT_EQ(dtype_bytes(DType::kF32, std::uint64_t{1} << 63), std::nullopt);
  EXPECT_EQ(dtype_from_safetensors("F8_E5M2"), DType::kF8E5M2);
  EXPECT_EQ(dtype_from_safetensors("Q4_K"), std::nullopt);
  EXPECT_EQ(dtype_from_ggml_type(30), DType::kBF16);
  EXPECT_EQ(dtype_from_ggml_type(9), std::nullopt);  // Q8_1: not read
  EXPECT_EQ(ggml_type_of(DType::kQ6_K), 14u);
}

}  // namespace
}  // namespace hfserve::tensor
