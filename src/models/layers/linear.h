// Linear: y = x W^T (+ b) for a weight [out_features, in_features] in whatever dtype it was
// stored. F32, F16, BF16 and the quantised types with a kernel (KernelTable::quant_matmul:
// every GGUF block type hfserve reads) are used in place (zero copy); a dtype without one
// would be widened to F32 once at load, which the load log shows. With
// `quantize_to` (models/load_options.h: Q8_0, Q4_0 or Q4_K) a float weight is instead
// quantised once at load. Where the installed kernels have a faster layout for the weight
// type (KernelTable's PackedQuantMatmul: Q8_0, Q4_0 and Q4_K on AVX-512 VNNI; its
// PackedFloatMatmul: F32 on AVX2 and AVX-512), the weight is repacked into it once at load
// and every product runs on it, one token or many. Otherwise one token runs the GEMV
// kernels, several the GEMM ones.
// Immutable after construction; apply() may run on any thread, one call at a time per
// output buffer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/weight_source.h"
#include "tensor/dtype.h"
#include "tensor/kernel_table.h"
#include "tensor/tensor_view.h"
#include "util/thread_pool.h"

namespace hfserve::models {

class Linear {
 public:
  // Looks up `weight_name` (and, when given, `bias_name`) in `source`. Throws Error naming
  // the tensor when it is missing or its shape is not 2-D with in_features columns.
  Linear(const formats::WeightSource& source, const std::string& weight_name,
         std::int64_t in_features, const std::optional<std::string>& bias_name = std::nullopt,
         std::optional<tensor::DType> quantize_to = std::nullopt);

  std::size_t in_features() const { return in_; }
  std::size_t out_features() const { return out_; }
  tensor::DType weight_dtype() const { return weight_.dtype; }
  // The weight in rows, as stored or converted at load (owned by this Linear when
  // converted); the products may run on a repacked copy.
  const tensor::TensorView& weight() const { return weight_; }

  // x: [n_tokens, in_features], y: [n_tokens, out_features].
  void apply(ThreadPool& pool, const float* x, std::size_t n_tokens, float* y) const;

 private:
  // Repacks the weight into the installed kernels' layout for its type, if they have one;
  // a weight used as stored then gives its file pages back to `source`.
  void pack_for_installed_kernels(const formats::WeightSource& source);

  tensor::TensorView weight_;
  std::vector<float> widened_;           // the weight as F32 when its dtype has no kernel
  std::vector<std::uint8_t> quantised_;  // the weight's blocks when quantised at load
  // The weight in the installed kernels' layout for its type, when they have one: the
  // blocks of packed_, or packed_f32_'s floats.
  std::vector<std::uint8_t> packed_weight_;
  tensor::PackedQuantMatmul packed_;
  tensor::PackedFloatMatmul packed_f32_;
  std::vector<float> bias_;
  std::size_t in_ = 0;
  std::size_t out_ = 0;
  std::size_t row_bytes_ = 0;
};

}  // namespace hfserve::models
