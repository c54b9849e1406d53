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

}  // namespace hfserve::tensor
