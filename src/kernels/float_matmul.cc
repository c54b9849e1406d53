// The portable reference for the matrix products with F32, F16 and BF16 weights: the
// shared blocking of simd_float_matmul.h over one-float "registers", each weight widened
// with tensor's reference conversions.
#include "kernels/simd_float_matmul.h"
#include "kernels/variants.h"
#include "tensor/half.h"

namespace hfserve::kernels::detail {
namespace {

struct ScalarTraits {
  using V = float;
  static constexpr std::size_t kLanes = 1;
  static float zero() { return 0.0f; }
  static float load(const float* p) { return *p; }
  static float add(float a, float b) { return a + b; }
  static float fmadd(float a, float b, float c) { return a * b + c; }
  static float reduce_add(float v) { return v; }
};

struct F32Weights {
  using Weight = float;
  static float load(const float* p) { return *p; }
  static float widen(float w) { return w; }
};

template <float (*Widen)(std::uint16_t)>
struct HalfWeights {
  using Weight = std::uint16_t;
  static float load(const std::uint16_t* p) { return Widen(*p); }
  static float widen(std::uint16_t bits) { return Widen(bits); }
};

using F16Weights = HalfWeights<tensor::f16_to_f32>;
using BF16Weights = HalfWeights<tensor::bf16_to_f32>;

}  // namespace

void add_float_matmul_scalar(tensor::KernelTable& table) {
  table.gemv_f32 = FloatMatmul<ScalarTraits, F32Weights>::gemv;
  table.gemm_f32 = FloatMatmul<ScalarTraits, F32Weights>::gemm;
  table.gemm_f32_by_columns = FloatMatmul<ScalarTraits, F32Weights>::gemm_by_columns;
  table.gemv_f16 = FloatMatmul<ScalarTraits, F16Weights>::gemv;
  table.gemm_f16 = FloatMatmul<ScalarTraits, F16Weights>::gemm;
  table.gemv_bf16 = FloatMatmul<ScalarTraits, BF16Weights>::gemv;
  table.gemm_bf16 = FloatMatmul<ScalarTraits, BF16Weights>::gemm;
}

}  // namespace hfserve::kernels::detail
