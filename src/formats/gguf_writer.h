// Writes a GGUF v3 file: metadata in the given order, then tensor infos and the tensor data
// aligned to 32 bytes (GGUF's default; general.alignment is dropped if present so that
// readers agree). The file is written to "<path>.incomplete" and renamed when complete,
// so a crash never leaves a partial file under the final name. One writer per file;
// not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "formats/gguf.h"
#include "tensor/dtype.h"

namespace hfserve::formats {

struct GgufTensorToWrite {
  std::string name;
  tensor::DType dtype;
  std::vector<std::int64_t> shape;     // outermost first (written innermost first)
  std::span<const std::uint8_t> data;  // exactly the tensor's bytes; must outlive write_gguf
};

// Throws Error(kInvalidArgument) for a dtype GGUF has no id for or data of the wrong size,
// and a system Error when the file cannot be written.
void write_gguf(const std::string& path,
                const std::vector<std::pair<std::string, GgufValue>>& metadata,
                const std::vector<GgufTensorToWrite>& tensors);

}  // namespace hfserve::formats
