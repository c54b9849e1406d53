#include "models/layers/linear.h"

#include <algorithm>

#include "tensor/dequantize.h"
#include "tensor/kernel_table.h"
#include "tensor/quantize.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::models {
namespace {

bool has_kernel(tensor::DType dtype) {
  using tensor::DType;
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16 ||
         tensor::has_quant_matmul(dtype);
}

bool is_float(tensor::DType dtype) {
  using tensor::DType;
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
}

// `weight` ([rows, cols] of any dtype dequantize_row reads) as rows of `target` blocks.
std::vector<std::uint8_t> quantise_rows(const tensor::TensorView& weight, std::size_t rows,
                                        std::size_t cols, tensor::DType target) {
  const std::size_t in_row = weight.num_bytes() / rows;
  const std::size_t out_row = *tensor::dtype_bytes(target, cols);
  std::vector<std::uint8_t> out(rows * out_row);
  std::vector<float> row(cols);
  const auto* src = static_cast<const std::uint8_t*>(weight.data);
  for (std::size_t r = 0; r < rows; ++r) {
    tensor::dequantize_row(weight.dtype, src + r * in_row, row.data(), cols);
    tensor::quantize_row(target, row.data(), out.data() + r * out_row, cols);
  }
  return out;
}

}  // namespace

Linear::Linear(const formats::WeightSource& source, const std::string& weight_name,
               std::int64_t in_features, const std::optional<std::string>& bias_name,
               std::optional<tensor::DType> quantize_to) {
  weight_ = source.get(weight_name);
  if (weight_.shape.size() != 2 || weight_.shape[1] != in_features) {
    throw Error(ErrorCode::kInvalidArgument,
                "weight '" + weight_name + "' has shape " + tensor::shape_string(weight_.shape) +
                    "; expected [out_features, " + std::to_string(in_features) + "]");
  }
  out_ = static_cast<std::size_t>(weight_.shape[0]);
  in_ = static_cast<std::size_t>(in_features);
  if (tensor::dtype_info(weight_.dtype).quantised && in_ % tensor::BlockQ8Act::kSize != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "weight '" + weight_name + "' is quantised but its rows of " + std::to_string(in_) +
                    " are not whole 32-element blocks");
  }
  if (quantize_to && !tensor::can_quantize_to(*quantize_to)) {
    throw Error(ErrorCode::kInvalidArgument, "cannot quantise at load to " +
                                                 std::string(tensor::dtype_name(*quantize_to)) +
                                                 "; the targets are Q8_0, Q4_0 and Q4_K");
  }
  // Rows that are not whole blocks of the target stay as stored, as llama.cpp's quantize
  // and `hfserve quantize` leave them.
  const bool whole_blocks = quantize_to && in_ % tensor::dtype_info(*quantize_to).block_size == 0;
  if (whole_blocks && (is_float(weight_.dtype) || !has_kernel(weight_.dtype))) {
    quantised_ = quantise_rows(weight_, out_, in_, *quantize_to);
    weight_.data = quantised_.data();
    weight_.dtype = *quantize_to;
  } else if (!has_kernel(weight_.dtype)) {
    widened_ = source.to_f32(weight_name);
    log::info("{}: {} has no matmul kernel; widened to F32 at load", weight_name,
              tensor::dtype_name(weight_.dtype));
    weight_.data = widened_.data();
    weight_.dtype = tensor::DType::kF32;
  }
  row_bytes_ = weight_.num_bytes() / out_;
  pack_for_installed_kernels(source);
  if (bias_name) {
    bias_ = source.to_f32(*bias_name);
    if (bias_.size() != out_) {
      throw Error(ErrorCode::kInvalidArgument, "bias '" + *bias_name + "' has " +
                                                   std::to_string(bias_.size()) +
                                                   " values; expected " + std::to_string(out_));
    }
  }
}

void Linear::pack_for_installed_kernels(const formats::WeightSource& source) {
  if (!tensor::kernel_table_installed()) return;
  const tensor::KernelTable& kernels = tensor::kernel_table();
  if (weight_.dtype == tensor::DType::kF32) {
    if (kernels.packed_f32.rows == 0) return;
    packed_f32_ = kernels.packed_f32;
    packed_weight_.resize(packed_f32_.floats(out_, in_) * sizeof(float));
    packed_f32_.pack(static_cast<const float*>(weight_.data), in_, out_, in_,
                     reinterpret_cast<float*>(packed_weight_.data()));
  } else {
    const tensor::QuantMatmulKernels* quant = kernels.quant_matmul(weight_.dtype);
    if (quant == nullptr || quant->packed.rows == 0 || out_ % quant->packed.rows != 0) return;
    packed_weight_.resize(quant->packed.bytes(out_, in_));
    quant->packed.pack(weight_.data, row_bytes_, out_, in_, packed_weight_.data());
    packed_ = quant->packed;
  }
  // Products read the packed copy only; the file's pages would double the weight's memory.
  if (quantised_.empty() && widened_.empty()) source.drop_pages(weight_);
}

void Linear::apply(ThreadPool& pool, const float* x, std::size_t n, float* y) const {
  using tensor::DType;
  // Below about 32K multiply-adds per range, waking a thread costs more than it saves.
  const std::size_t min_rows = std::max<std::size_t>(1, (std::size_t{1} << 15) / (in_ * n));
  const tensor::KernelTable& k = tensor::kernel_table();
  const DType dtype = weight_.dtype;
  const tensor::QuantMatmulKernels* quant = k.quant_matmul(dtype);
  if (quant != nullptr) {
    std::vector<tensor::BlockQ8Act> xq(n * in_ / tensor::BlockQ8Act::kSize);
    k.quantize_act_q8(x, n * in_, xq.data());
    if (packed_.gemm != nullptr) {
      const std::size_t group = packed_.rows;
      pool.parallel_for(
          out_ / group,
          [&](std::size_t begin, std::size_t end) {
            packed_.gemm(packed_weight_.data(), row_bytes_, in_, xq.data(), n, begin * group,
                         end * group, y, out_);
          },
          std::max<std::size_t>(1, min_rows / group));
    } else {
      pool.parallel_for(
          out_,
          [&](std::size_t begin, std::size_t end) {
            if (n == 1) {
              quant->gemv(weight_.data, row_bytes_, in_, xq.data(), begin, end, y);
            } else {
              quant->gemm(weight_.data, row_bytes_, in_, xq.data(), n, begin, end, y, out_);
            }
          },
          min_rows);
    }
  } else if (packed_f32_.gemm != nullptr) {
    const auto* w = reinterpret_cast<const float*>(packed_weight_.data());
    const std::size_t group = packed_f32_.rows;
    pool.parallel_for((out_ + group - 1) / group,
                      [&](std::size_t begin, std::size_t end) {
                        packed_f32_.gemm(w, in_, in_, x, in_, n, begin * group,
                                         std::min(end * group, out_), y, out_);
                      },
                      std::max<std::size_t>(1, min_rows / group));
  } else if (dtype == DType::kF32) {
    const auto* w = static_cast<const float*>(weight_.data);
    pool.parallel_for(
        out_,
        [&](std::size_t begin, std::size_t end) {
          if (n == 1) {
            k.gemv_f32(w, in_, in_, x, begin, end, y);
          } else {
            k.gemm_f32(w, in_, in_, x, in_, n, begin, end, y, out_);
          }
        },
        min_rows);
  } else {
    const auto* w = static_cast<const std::uint16_t*>(weight_.data);
    auto gemv = dtype == DType::kF16 ? k.gemv_f16 : k.gemv_bf16;
    auto gemm = dtype == DType::kF16 ? k.gemm_f16 : k.gemm_bf16;
    pool.parallel_for(
        out_,
        [&](std::size_t begin, std::size_t end) {
          if (n == 1) {
            gemv(w, in_, in_, x, begin, end, y);
          } else {
            gemm(w, in_, in_, x, in_, n, begin, end, y, out_);
          }
        },
        min_rows);
  }
  if (!bias_.empty()) {
    for (std::size_t t = 0; t < n; ++t) k.add_f32(y + t * out_, bias_.data(), out_, y + t * out_);
  }
}

}  // namespace hfserve::models
