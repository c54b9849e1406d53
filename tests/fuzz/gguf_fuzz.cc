// libFuzzer target: the GGUF parser, the GGUF -> ModelConfig mapping and dequantisation of
// the tensors a parsed file describes. Any input must parse or throw hfserve::Error, and
// every tensor must lie inside the input.
#include <cstdint>
#include <span>
#include <vector>

#include "formats/gguf.h"
#include "formats/model_config.h"
#include "tensor/dequantize.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hfserve;
  formats::GgufHeader header;
  try {
    header = formats::parse_gguf(std::span<const std::uint8_t>(data, size), "fuzz");
  } catch (const Error&) {
    return 0;
  }
  try {
    formats::model_config_from_gguf(header, "fuzz");
  } catch (const Error&) {
  }
  std::vector<float> out;
  for (const formats::GgufTensorInfo& info : header.tensors) {
    HFSERVE_CHECK(header.data_offset + info.offset + info.num_bytes <= size);
    const std::uint64_t elements = info.num_bytes / tensor::dtype_info(info.dtype).type_size *
                                   tensor::dtype_info(info.dtype).block_size;
    if (!tensor::can_dequantize(info.dtype) || elements > (1u << 16)) continue;
    out.resize(elements);
    tensor::dequantize_row(info.dtype, data + header.data_offset + info.offset, out.data(),
                           elements);
  }
  return 0;
}
