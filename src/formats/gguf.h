// GGUF: llama.cpp's single-file model format (versions 2 and 3). A file is the magic
// "GGUF", a version, tensor and metadata counts, typed key/value metadata (scalars,
// strings and arrays, arrays of arrays included), tensor infos (name, dims innermost
// first, ggml type, offset), then the tensor data from an offset aligned to
// `general.alignment` (32 by default). Everything is little-endian.
//
// parse_gguf validates every count, length, type and offset against the file before it
// is used, so a hostile file is refused with an Error naming the file (and the key or
// tensor), never read past its end. GgufFile maps the file and hands out zero-copy views.
// Immutable after open: any thread may read it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tensor/tensor_view.h"
#include "util/mapped_file.h"

namespace hfserve::formats {

// GGUF's metadata value types, with their ids in the file.
enum class GgufType : std::uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// "UINT8", "STRING", ... (gguf-py's GGUFValueType names).
std::string_view gguf_type_name(GgufType type);

struct GgufValue;
struct GgufArray {
  GgufType element_type = GgufType::kUint8;
  std::vector<GgufValue> items;
};

// One metadata value. Integers are widened to 64 bits and floats to double (exactly);
// `type` says what the file stored.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  std::variant<std::uint64_t, std::int64_t, double, bool, std::string, GgufArray> value;

  bool is_integer() const;
  bool is_float() const { return type == GgufType::kFloat32 || type == GgufType::kFloat64; }
  // The value as a number (integers and floats); nullopt for other types or an integer
  // that does not fit.
  std::optional<std::int64_t> as_int() const;
  std::optional<double> as_double() const;
  const std::string* as_string() const { return std::get_if<std::string>(&value); }
  const bool* as_bool() const { return std::get_if<bool>(&value); }
  const GgufArray* as_array() const { return std::get_if<GgufArray>(&value); }
};

struct GgufTensorInfo {
  std::string name;
  std::vector<std::uint64_t> dims;  // innermost first, as GGUF stores them (ne[0] = row)
  std::uint32_t ggml_type = 0;
  tensor::DType dtype = tensor::DType::kF32;
  std::uint64_t offset = 0;  // relative to the data section
  std::uint64_t num_bytes = 0;
};

struct GgufHeader {
  std::uint32_t version = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata;  // file order
  std::vector<GgufTensorInfo> tensors;                      // file order
  std::uint64_t alignment = 32;
  std::uint64_t data_offset = 0;  // absolute start of the data section

  const GgufValue* find(std::string_view key) const;
};

// Nesting of arrays deeper than this is refused (real files use at most 2).
inline constexpr int kMaxGgufArrayDepth = 8;

// Parses and validates a whole file's bytes; `file_name` goes into error messages.
// Refuses: a bad magic, big-endian files, versions other than 2 and 3, counts, string and
// array lengths that exceed the file, unknown value or tensor types, duplicate keys or
// tensor names, a bad general.alignment, more than 4 dims, rows that are not whole blocks,
// misaligned, overlapping or out-of-file tensor data. Throws Error(kInvalidArgument), or
// kUnsupported for a tensor type hfserve does not read.
GgufHeader parse_gguf(std::span<const std::uint8_t> file, std::string_view file_name);

class GgufFile {
 public:
  explicit GgufFile(const std::string& path);

  const std::string& path() const { return mapping_->path(); }
  const GgufHeader& header() const { return header_; }
  std::uint64_t file_size() const { return mapping_->size(); }
  const std::shared_ptr<const MappedFile>& mapping() const { return mapping_; }
  // The view of one tensor (shape outermost first, i.e. dims reversed).
  tensor::TensorView view(const GgufTensorInfo& info) const;

 private:
  std::shared_ptr<const MappedFile> mapping_;
  GgufHeader header_;
};

// The paths of every part of a split GGUF (".../name-00001-of-00003.gguf" gives three),
// or just `path` for a single file. Throws Error(kInvalidArgument) for a part number of
// zero or above the count.
std::vector<std::string> gguf_split_paths(const std::string& path);

}  // namespace hfserve::formats
