// TensorView: a non-owning view of a tensor's bytes: where they are, their dtype and shape
// (outermost dimension first, as safetensors and PyTorch write it; a GGUF view reverses
// GGUF's innermost-first dims to match). Whoever hands out a view keeps the bytes alive
// (a WeightSource keeps its mapped files). Immutable weights: any thread may read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace hfserve::tensor {

struct TensorView {
  const void* data = nullptr;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;  // [outermost, ..., innermost]; empty for a scalar

  // Product of the dims (1 for a scalar). Shapes come from validated headers, so it fits.
  std::uint64_t num_elements() const {
    std::uint64_t n = 1;
    for (std::int64_t dim : shape) n *= static_cast<std::uint64_t>(dim);
    return n;
  }
  // Bytes the data spans (a whole number of blocks for quantised dtypes).
  std::size_t num_bytes() const {
    const DTypeInfo& info = dtype_info(dtype);
    return static_cast<std::size_t>(num_elements() / info.block_size * info.type_size);
  }
  const std::uint8_t* bytes() const { return static_cast<const std::uint8_t*>(data); }
};

// "[4096, 11008]" for logs and error messages.
std::string shape_string(const std::vector<std::int64_t>& shape);

}  // namespace hfserve::tensor
