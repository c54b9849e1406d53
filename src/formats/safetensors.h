// safetensors: the Hugging Face weight file format. A file is an 8-byte little-endian
// header length N, N bytes of JSON ({"name": {"dtype", "shape", "data_offsets": [begin,
// end]}, "__metadata__": {str: str}}), then the tensor bytes; offsets are relative to the
// end of the header. Parsing validates everything a hostile file could get wrong and names
// the file and tensor in each Error; views point into the memory mapping (zero copy).
//
// SafetensorsFile is immutable after open: any thread may read it. Views stay valid while
// the SafetensorsFile (or the shared mapping it hands out) lives.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/tensor_view.h"
#include "util/mapped_file.h"

namespace hfserve::formats {

struct SafetensorsTensor {
  std::string name;
  tensor::DType dtype;
  std::vector<std::int64_t> shape;  // outermost first
  std::uint64_t begin = 0;          // byte offsets into the data section
  std::uint64_t end = 0;
};

struct SafetensorsHeader {
  std::uint64_t data_offset = 0;                // 8 + header length: where the data section starts
  std::vector<SafetensorsTensor> tensors;       // in data order
  std::map<std::string, std::string> metadata;  // "__metadata__"
};

// The largest JSON header accepted (the reference implementation's limit): a header this
// size already describes millions of tensors.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Parses and validates the header of a whole file's bytes: header length within the file
// and under kMaxSafetensorsHeaderBytes, valid JSON object without duplicate keys, known
// dtypes, non-negative shapes whose byte size equals the offsets' span, data that covers
// the data section exactly once in order (no gap, overlap or trailing bytes).
// `file_name` is used in error messages. Throws Error(kInvalidArgument).
SafetensorsHeader parse_safetensors(std::span<const std::uint8_t> file, std::string_view file_name);

class SafetensorsFile {
 public:
  // Maps and validates `path`. Throws Error (kNotFound, kInvalidArgument, ...).
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return mapping_->path(); }
  const SafetensorsHeader& header() const { return header_; }
  std::uint64_t file_size() const { return mapping_->size(); }
  // The view of one tensor of header().tensors, into the mapping.
  tensor::TensorView view(const SafetensorsTensor& tensor) const;
  // Keeps the mapping alive for views that outlive this object.
  const std::shared_ptr<const MappedFile>& mapping() const { return mapping_; }

 private:
  std::shared_ptr<const MappedFile> mapping_;
  SafetensorsHeader header_;
};

}  // namespace hfserve::formats
