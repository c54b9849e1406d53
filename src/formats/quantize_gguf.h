// Quantises a GGUF model file to Q8_0, Q4_0 or Q4_K (`hfserve quantize`): every F32, F16
// or BF16 tensor of two or more dims whose rows are whole blocks is quantised; vectors
// (norms, biases) and the rest are copied unchanged, as llama.cpp's quantize does.
// general.file_type is set to the target's llama_ftype. Reads through zero-copy views and
// writes with write_gguf (temporary name, then rename). Not thread-safe per output.
#pragma once

#include <cstddef>
#include <string>

#include "tensor/dtype.h"

namespace hfserve::formats {

struct QuantizeReport {
  std::size_t quantised = 0;  // tensors converted
  std::size_t copied = 0;     // tensors kept as they were
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

// Throws Error(kInvalidArgument) for a target other than Q8_0, Q4_0, Q4_K, and whatever
// reading `input` or writing `output` throws.
QuantizeReport quantize_gguf(const std::string& input, const std::string& output,
                             tensor::DType target);

}  // namespace hfserve::formats
