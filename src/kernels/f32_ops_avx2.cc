// The F32 vector ops and the matrix products with F32, F16 and BF16 weights for
// AVX2 + FMA (8 floats per register).
#include "kernels/simd_f32_ops.h"
#include "kernels/simd_float_matmul.h"
#include "kernels/traits_avx2.h"
#include "kernels/variants.h"

namespace hfserve::kernels::detail {

void add_f32_ops_avx2(tensor::KernelTable& table) {
  SimdF32Ops<Avx2Traits>::fill(table);
  using F32 = FloatMatmul<Avx2Traits, F32Weights>;
  table.gemv_f32 = F32::packed_gemv;
  table.gemm_f32 = F32::packed_gemm<false>;
  table.gemm_f32_by_columns = F32::packed_gemm<true>;
  table.packed_f32 = {F32::kPanelRows, F32::prepacked_floats, F32::prepack, F32::prepacked_gemm};
  table.gemv_f16 = FloatMatmul<Avx2Traits, F16Weights>::gemv;
  table.gemm_f16 = FloatMatmul<Avx2Traits, F16Weights>::packed_gemm<false>;
  table.gemv_bf16 = FloatMatmul<Avx2Traits, BF16Weights>::gemv;
  table.gemm_bf16 = FloatMatmul<Avx2Traits, BF16Weights>::packed_gemm<false>;
}

}  // namespace hfserve::kernels::detail
