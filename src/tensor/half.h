// Conversions between float and the 16- and 8-bit float formats that weights come in:
// IEEE half (F16), bfloat16 (BF16) and the two OCP FP8 formats. Every conversion to a
// narrower type rounds to nearest, ties to even, as numpy and ggml do, so quantised blocks
// come out bit-identical with theirs. Pure functions: any thread may call them.
#pragma once

#include <cstdint>

namespace hfserve::tensor {

float f16_to_f32(std::uint16_t bits);
std::uint16_t f32_to_f16(float value);

float bf16_to_f32(std::uint16_t bits);
// NaN stays a quiet NaN (ggml_compute_fp32_to_bf16's rule).
std::uint16_t f32_to_bf16(float value);

// OCP 8-bit floats: E4M3 "FN" (bias 7, no infinity, S.1111.111 is NaN, max 448) and E5M2
// (the top byte of an IEEE half).
float f8e4m3_to_f32(std::uint8_t bits);
float f8e5m2_to_f32(std::uint8_t bits);

}  // namespace hfserve::tensor
