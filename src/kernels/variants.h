// Internal to kernels/: each file adds its implementations to a table (the AVX files'
// add_f32_ops_* also add the float-weight matrix products).
// install.cc composes a variant's table from its own ops over the variant below it.
// The ISA files are compiled with their instruction set enabled (src/kernels/CMakeLists.txt)
// and must only run where cpu_features() says so.
#pragma once

#include "tensor/kernel_table.h"

namespace hfserve::kernels::detail {

void add_f32_ops_scalar(tensor::KernelTable& table);
void add_f32_ops_avx2(tensor::KernelTable& table);
void add_f32_ops_avx512(tensor::KernelTable& table);
void add_float_matmul_scalar(tensor::KernelTable& table);
void add_quant_ops_scalar(tensor::KernelTable& table);
void add_quant_ops_avx2(tensor::KernelTable& table);
void add_quant_ops_avx512vnni(tensor::KernelTable& table);
void add_packed_quant_avx512vnni(tensor::KernelTable& table);

}  // namespace hfserve::kernels::detail
