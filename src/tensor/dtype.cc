#include "tensor/dtype.h"

#include <array>
#include <limits>

#include "tensor/quant_blocks.h"

namespace hfserve::tensor {
namespace {

constexpr std::size_t kDTypeCount = static_cast<std::size_t>(DType::kIQ4_NL) + 1;

constexpr std::array<DTypeInfo, kDTypeCount> kInfo = {{
    {"F64", 1, 8, false},
    {"F32", 1, 4, false},
    {"F16", 1, 2, false},
    {"BF16", 1, 2, false},
    {"F8_E4M3", 1, 1, false},
    {"F8_E5M2", 1, 1, false},
    {"I64", 1, 8, false},
    {"I32", 1, 4, false},
    {"I16", 1, 2, false},
    {"I8", 1, 1, false},
    {"U8", 1, 1, false},
    {"BOOL", 1, 1, false},
    {"Q4_0", kQK4_0, sizeof(BlockQ4_0), true},
    {"Q4_1", kQK4_1, sizeof(BlockQ4_1), true},
    {"Q5_0", kQK5_0, sizeof(BlockQ5_0), true},
    {"Q5_1", kQK5_1, sizeof(BlockQ5_1), true},
    {"Q8_0", kQK8_0, sizeof(BlockQ8_0), true},
    {"Q2_K", kQK_K, sizeof(BlockQ2_K), true},
    {"Q3_K", kQK_K, sizeof(BlockQ3_K), true},
    {"Q4_K", kQK_K, sizeof(BlockQ4_K), true},
    {"Q5_K", kQK_K, sizeof(BlockQ5_K), true},
    {"Q6_K", kQK_K, sizeof(BlockQ6_K), true},
    {"IQ4_NL", kQK4_NL, sizeof(BlockIQ4_NL), true},
}};

// ggml_type ids (ggml.h's enum ggml_type, which GGUF files store) of the types we read.
struct GgmlId {
  std::uint32_t id;
  DType dtype;
};
constexpr std::array<GgmlId, 18> kGgmlIds = {{
    {0, DType::kF32},
    {1, DType::kF16},
    {2, DType::kQ4_0},
    {3, DType::kQ4_1},
    {6, DType::kQ5_0},
    {7, DType::kQ5_1},
    {8, DType::kQ8_0},
    {10, DType::kQ2_K},
    {11, DType::kQ3_K},
    {12, DType::kQ4_K},
    {13, DType::kQ5_K},
    {14, DType::kQ6_K},
    {20, DType::kIQ4_NL},
    {24, DType::kI8},
    {25, DType::kI16},
    {26, DType::kI32},
    {27, DType::kI64},
    {28, DType::kF64},
}};
constexpr std::uint32_t kGgmlBF16 = 30;

// The ggml types hfserve does not read, by id, so a refusal can name them.
struct GgmlName {
  std::uint32_t id;
  std::string_view name;
};
constexpr std::array<GgmlName, 13> kUnreadGgmlTypes = {{
    {9, "Q8_1"},
    {15, "Q8_K"},
    {16, "IQ2_XXS"},
    {17, "IQ2_XS"},
    {18, "IQ3_XXS"},
    {19, "IQ1_S"},
    {21, "IQ3_S"},
    {22, "IQ2_S"},
    {23, "IQ4_XS"},
    {29, "IQ1_M"},
    {34, "TQ1_0"},
    {35, "TQ2_0"},
    {39, "MXFP4"},
}};

}  // namespace

const DTypeInfo& dtype_info(DType dtype) { return kInfo[static_cast<std::size_t>(dtype)]; }

std::optional<std::size_t> dtype_bytes(DType dtype, std::uint64_t n_elements) {
  const DTypeInfo& info = dtype_info(dtype);
  if (n_elements % info.block_size != 0) return std::nullopt;
  std::uint64_t blocks = n_elements / info.block_size;
  if (blocks > std::numeric_limits<std::size_t>::max() / info.type_size) return std::nullopt;
  return static_cast<std::size_t>(blocks * info.type_size);
}

std::optional<DType> dtype_from_safetensors(std::string_view name) {
  for (std::size_t i = 0; i <= static_cast<std::size_t>(DType::kBool); ++i) {
    if (kInfo[i].name == name) return static_cast<DType>(i);
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_ggml_type(std::uint32_t id) {
  if (id == kGgmlBF16) return DType::kBF16;
  for (const GgmlId& entry : kGgmlIds) {
    if (entry.id == id) return entry.dtype;
  }
  return std::nullopt;
}

std::string_view ggml_type_name(std::uint32_t id) {
  if (auto dtype = dtype_from_ggml_type(id)) return dtype_name(*dtype);
  for (const GgmlName& unread : kUnreadGgmlTypes) {
    if (unread.id == id) return unread.name;
  }
  return "";
}

std::optional<std::uint32_t> ggml_type_of(DType dtype) {
  if (dtype == DType::kBF16) return kGgmlBF16;
  for (const GgmlId& entry : kGgmlIds) {
    if (entry.dtype == dtype) return entry.id;
  }
  return std::nullopt;
}

}  // namespace hfserve::tensor
