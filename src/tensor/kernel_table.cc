#include "tensor/kernel_table.h"

#include "util/error.h"

namespace hfserve::tensor {
namespace {
KernelTable installed;

QuantMatmulKernels KernelTable::*quant_matmul_slot(DType dtype) {
  switch (dtype) {
    case DType::kQ8_0:
      return &KernelTable::q8_0;
    case DType::kQ4_0:
      return &KernelTable::q4_0;
    case DType::kQ4_1:
      return &KernelTable::q4_1;
    case DType::kQ5_0:
      return &KernelTable::q5_0;
    case DType::kQ5_1:
      return &KernelTable::q5_1;
    case DType::kQ2_K:
      return &KernelTable::q2_k;
    case DType::kQ3_K:
      return &KernelTable::q3_k;
    case DType::kQ4_K:
      return &KernelTable::q4_k;
    case DType::kQ5_K:
      return &KernelTable::q5_k;
    case DType::kQ6_K:
      return &KernelTable::q6_k;
    case DType::kIQ4_NL:
      return &KernelTable::iq4_nl;
    default:
      return nullptr;
  }
}
}  // namespace

const KernelTable& kernel_table() {
  HFSERVE_CHECK(installed.isa != nullptr);
  return installed;
}

bool kernel_table_installed() { return installed.isa != nullptr; }

void set_kernel_table(const KernelTable& table) { installed = table; }

const QuantMatmulKernels* KernelTable::quant_matmul(DType dtype) const {
  QuantMatmulKernels KernelTable::*slot = quant_matmul_slot(dtype);
  return slot != nullptr && (this->*slot).gemv != nullptr ? &(this->*slot) : nullptr;
}

bool has_quant_matmul(DType dtype) { return quant_matmul_slot(dtype) != nullptr; }

}  // namespace hfserve::tensor
