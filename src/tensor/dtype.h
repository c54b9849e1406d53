// DType: the element types a tensor view can hold, from the plain ones safetensors defines
// to GGUF's quantised block formats. A quantised type stores `block_size` elements in
// `type_size` bytes (the block layouts are in quant_blocks.h); a plain type is a block of
// one element. Pure functions over constants: any thread may call them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hfserve::tensor {

enum class DType : std::uint8_t {
  kF64,
  kF32,
  kF16,
  kBF16,
  kF8E4M3,  // OCP FP8 E4M3 "FN": no infinities, 0x7f/0xff are NaN
  kF8E5M2,
  kI64,
  kI32,
  kI16,
  kI8,
  kU8,
  kBool,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ8_0,
  kQ2_K,
  kQ3_K,
  kQ4_K,
  kQ5_K,
  kQ6_K,
  kIQ4_NL,
};

struct DTypeInfo {
  std::string_view name;   // "F32", "BF16", "Q4_K" (safetensors and GGUF spelling)
  std::size_t block_size;  // elements per block (1 for plain types)
  std::size_t type_size;   // bytes per block
  bool quantised;
};

const DTypeInfo& dtype_info(DType dtype);
inline std::string_view dtype_name(DType dtype) { return dtype_info(dtype).name; }

// The bytes `n_elements` take, or nullopt when n_elements is not a whole number of blocks
// or the size overflows.
std::optional<std::size_t> dtype_bytes(DType dtype, std::uint64_t n_elements);

// safetensors' dtype strings ("F32", "BOOL", "F8_E4M3", ...); nullopt for any other.
std::optional<DType> dtype_from_safetensors(std::string_view name);

// GGUF's ggml_type ids (0 = F32, 1 = F16, 2 = Q4_0, ... 30 = BF16); nullopt for a type
// hfserve does not read (Q8_1, Q8_K, most of the IQ family, TQ, MXFP4).
std::optional<DType> dtype_from_ggml_type(std::uint32_t id);
// ggml's name for a type id, read or not ("IQ4_XS" for 23), for messages; "" if unknown.
std::string_view ggml_type_name(std::uint32_t id);
// The ggml_type id of a dtype; nullopt for types GGUF has no id for (F8, BOOL, U8).
std::optional<std::uint32_t> ggml_type_of(DType dtype);

}  // namespace hfserve::tensor
