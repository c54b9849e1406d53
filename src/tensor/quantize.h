// Reference (portable scalar) quantisation of F32 rows to Q8_0, Q4_0 and Q4_K, used for
// `--quantization` at load time and by `hfserve quantize`. Q8_0 and Q4_0 follow gguf-py's
// `gguf.quants.quantize` operation by operation, so their blocks are bit-identical with
// it. gguf-py has no Q4_K quantiser: ours fits each 32-element sub-block's scale and offset
// by least squares (own method, not llama.cpp's make_qkx2_quants) and writes the standard
// Q4_K layout, which any GGUF reader dequantises. F16/BF16 sources are widened to F32 by
// the caller (dequantize_row). Pure function: any thread may call it on disjoint outputs.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "tensor/dtype.h"

namespace hfserve::tensor {

// True for the targets quantize_row writes: Q8_0, Q4_0, Q4_K.
bool can_quantize_to(DType dtype);

// The target a user names ("Q4_K", "q8_0": any case), or nullopt for any other name.
std::optional<DType> quantize_target(std::string_view name);

// src: [n] F32; dst: n / block_size blocks of `target` (any alignment). n must be a
// multiple of the block size and can_quantize_to(target) true (checked).
void quantize_row(DType target, const float* src, void* dst, std::size_t n);

}  // namespace hfserve::tensor
