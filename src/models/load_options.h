// What the caller asks of a model at load beyond what its files say (`--quantization`).
// A plain value.
#pragma once

#include <optional>

#include "tensor/dtype.h"

namespace hfserve::models {

struct LoadOptions {
  // When set (Q8_0 or Q4_0, the block types with matmul kernels), every Linear weight
  // stored as F32, F16 or BF16, or widened to F32 for lack of a kernel, is quantised once
  // at load, as llama.cpp's quantize would write it; weights already in a block type with
  // a kernel, and rows that are not whole 32-element blocks, stay as they are. Embeddings
  // and norms are never quantised. The load log counts what was converted.
  std::optional<tensor::DType> quantization;
};

}  // namespace hfserve::models
