#include "tensor/kernel_table.h"

#include "util/error.h"

namespace hfserve::tensor {
namespace {
KernelTable installed;
}  // namespace

const KernelTable& kernel_table() {
  HFSERVE_CHECK(installed.isa != nullptr);
  return installed;
}

void set_kernel_table(const KernelTable& table) { installed = table; }

const QuantMatmulKernels* KernelTable::quant_matmul(DType dtype) const {
  const QuantMatmulKernels* kernels = nullptr;
  switch (dtype) {
    case DType::kQ8_0:
      kernels = &q8_0;
      break;
    case DType::kQ4_0:
      kernels = &q4_0;
      break;
    case DType::kQ4_1:
      kernels = &q4_1;
      break;
    case DType::kQ5_0:
      kernels = &q5_0;
      break;
    case DType::kQ5_1:
      kernels = &q5_1;
      break;
    case DType::kQ4_K:
      kernels = &q4_k;
      break;
    case DType::kQ5_K:
      kernels = &q5_k;
      break;
    case DType::kQ6_K:
      kernels = &q6_k;
      break;
    default:
      return nullptr;
  }
  return kernels->gemv != nullptr ? kernels : nullptr;
}

}  // namespace hfserve::tensor
