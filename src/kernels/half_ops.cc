// The portable reference for GEMV with 16-bit float weights: each weight widened with
// tensor's reference conversion, then an F32 multiply-add.
#include "kernels/variants.h"
#include "tensor/half.h"

namespace hfserve::kernels::detail {
namespace {

template <float (*Widen)(std::uint16_t)>
void gemv(const std::uint16_t* w, std::size_t row_stride, std::size_t cols, const float* x,
          std::size_t row_begin, std::size_t row_end, float* y) {
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const std::uint16_t* row = w + r * row_stride;
    float sum = 0;
    for (std::size_t c = 0; c < cols; ++c) sum += Widen(row[c]) * x[c];
    y[r] = sum;
  }
}

}  // namespace

void add_half_ops_scalar(tensor::KernelTable& table) {
  table.gemv_f16 = gemv<tensor::f16_to_f32>;
  table.gemv_bf16 = gemv<tensor::bf16_to_f32>;
}

}  // namespace hfserve::kernels::detail
