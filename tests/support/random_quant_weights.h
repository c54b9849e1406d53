// Test support for the quantised matrix products: the weight types with kernels, and
// random rows of their blocks. Random bytes are valid blocks of every type; only the half
// float scales are set, to a sane range, so products stay finite.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/half.h"

namespace hfserve::kernels {

inline constexpr tensor::DType kQuantKernelTypes[] = {
    tensor::DType::kQ8_0, tensor::DType::kQ4_0, tensor::DType::kQ4_1,  tensor::DType::kQ5_0,
    tensor::DType::kQ5_1, tensor::DType::kQ2_K, tensor::DType::kQ3_K,  tensor::DType::kQ4_K,
    tensor::DType::kQ5_K, tensor::DType::kQ6_K, tensor::DType::kIQ4_NL};

inline std::vector<std::uint8_t> random_quant_weights(tensor::DType type, std::size_t rows,
                                                      std::size_t cols, std::mt19937& rng) {
  using tensor::DType;
  const auto& info = tensor::dtype_info(type);
  std::vector<std::uint8_t> bytes(rows * cols / info.block_size * info.type_size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng());
  // Where each type keeps its half-float scale, and its minimum or second scale if any
  // (0: none; no type keeps a second one at offset 0).
  std::size_t scale_at = 0, second_at = 0;
  if (type == DType::kQ4_1 || type == DType::kQ5_1 || type == DType::kQ4_K ||
      type == DType::kQ5_K) {
    second_at = 2;
  }
  if (type == DType::kQ3_K || type == DType::kQ6_K) scale_at = info.type_size - 2;
  if (type == DType::kQ2_K) scale_at = info.type_size - 4, second_at = info.type_size - 2;
  // The K-quants multiply d by 6- or 8-bit sub-block scales: keep their products near 0.05.
  const float range = info.block_size == 256 ? 0.002f : 0.05f;
  std::uniform_real_distribution<float> scale(-range, range);
  for (std::size_t b = 0; b < bytes.size() / info.type_size; ++b) {
    std::uint8_t* block = bytes.data() + b * info.type_size;
    const std::uint16_t d = tensor::f32_to_f16(scale(rng)), m = tensor::f32_to_f16(scale(rng));
    std::memcpy(block + scale_at, &d, 2);
    if (second_at != 0) std::memcpy(block + second_at, &m, 2);
  }
  return bytes;
}

}  // namespace hfserve::kernels
