// Reference (portable scalar) conversion of a row of any float or quantised dtype to F32.
// It follows gguf-py's `gguf.quants.dequantize` operation by operation (same products, same
// order, no fused multiply-add), so its output is bit-identical with it; SIMD kernels are
// tested against this. Used at load time (a layer that needs F32) and by tests.
// Pure function: any thread may call it on disjoint outputs.
#pragma once

#include <cstddef>

#include "tensor/dtype.h"

namespace hfserve::tensor {

// True for the dtypes dequantize_row reads: F64, F32, F16, BF16, both FP8s and every
// quantised type.
bool can_dequantize(DType dtype);

// src: n elements of `dtype` (n / block_size whole blocks, any alignment); dst: [n] F32.
// n must be a multiple of the block size and can_dequantize(dtype) true (checked: a
// caller validates both first).
void dequantize_row(DType dtype, const void* src, float* dst, std::size_t n);

}  // namespace hfserve::tensor
