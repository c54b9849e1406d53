#include "formats/quantize_gguf.h"

#include <algorithm>
#include <vector>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "tensor/dequantize.h"
#include "tensor/quantize.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::formats {
namespace {

// llama.cpp's enum llama_ftype values for the targets.
std::uint64_t file_type_of(tensor::DType target) {
  switch (target) {
    case tensor::DType::kQ8_0:
      return 7;  // LLAMA_FTYPE_MOSTLY_Q8_0
    case tensor::DType::kQ4_0:
      return 2;  // LLAMA_FTYPE_MOSTLY_Q4_0
    default:
      return 14;  // LLAMA_FTYPE_MOSTLY_Q4_K_S: Q4_K throughout
  }
}

bool is_float_source(tensor::DType dtype) {
  return dtype == tensor::DType::kF32 || dtype == tensor::DType::kF16 ||
         dtype == tensor::DType::kBF16;
}

}  // namespace

QuantizeReport quantize_gguf(const std::string& input, const std::string& output,
                             tensor::DType target) {
  if (!tensor::can_quantize_to(target)) {
    throw Error(ErrorCode::kInvalidArgument, "cannot quantise to " +
                                                 std::string(tensor::dtype_name(target)) +
                                                 "; the targets are Q8_0, Q4_0 and Q4_K");
  }
  GgufFile file(input);
  std::vector<std::pair<std::string, GgufValue>> metadata = file.header().metadata;
  auto it = std::find_if(metadata.begin(), metadata.end(),
                         [](const auto& entry) { return entry.first == "general.file_type"; });
  if (it == metadata.end())
    it = metadata.insert(metadata.end(), {"general.file_type", GgufValue{}});
  it->second.type = GgufType::kUint32;
  it->second.value.emplace<std::uint64_t>(file_type_of(target));

  const std::size_t block = tensor::dtype_info(target).block_size;
  QuantizeReport report;
  std::vector<std::vector<std::uint8_t>> buffers;
  buffers.reserve(file.header().tensors.size());
  std::vector<GgufTensorToWrite> tensors;
  std::vector<float> row;
  for (const GgufTensorInfo& info : file.header().tensors) {
    const tensor::TensorView view = file.view(info);
    report.bytes_in += info.num_bytes;
    const bool quantise =
        is_float_source(info.dtype) && view.shape.size() >= 2 && info.dims[0] % block == 0;
    if (!quantise) {
      tensors.push_back({info.name, info.dtype, view.shape, {view.bytes(), info.num_bytes}});
      report.bytes_out += info.num_bytes;
      ++report.copied;
      continue;
    }
    const std::size_t row_length = info.dims[0];
    const std::size_t rows = view.num_elements() / row_length;
    const std::size_t row_in = *tensor::dtype_bytes(info.dtype, row_length);
    const std::size_t row_out = *tensor::dtype_bytes(target, row_length);
    std::vector<std::uint8_t>& out = buffers.emplace_back(rows * row_out);
    row.resize(row_length);
    for (std::size_t r = 0; r < rows; ++r) {
      tensor::dequantize_row(info.dtype, view.bytes() + r * row_in, row.data(), row_length);
      tensor::quantize_row(target, row.data(), out.data() + r * row_out, row_length);
    }
    tensors.push_back({info.name, target, view.shape, {out.data(), out.size()}});
    report.bytes_out += out.size();
    ++report.quantised;
  }
  write_gguf(output, metadata, tensors);
  log::info("quantised {} tensors to {} and copied {} ({} -> {} bytes): {}", report.quantised,
            tensor::dtype_name(target), report.copied, report.bytes_in, report.bytes_out, output);
  return report;
}

}  // namespace hfserve::formats
