#include "formats/safetensors.h"

#include <algorithm>
#include <limits>

#include "formats/json_reader.h"
#include "tensor/dtype.h"
#include "util/error.h"

namespace hfserve::formats {
namespace {

using nlohmann::json;

[[noreturn]] void refuse(std::string_view file, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "safetensors file '" + std::string(file) + "': " + what);
}

[[noreturn]] void refuse_tensor(std::string_view file, std::string_view tensor,
                                const std::string& what) {
  refuse(file, "tensor '" + std::string(tensor) + "': " + what);
}

std::uint64_t read_u64_le(const std::uint8_t* p) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

SafetensorsTensor parse_entry(std::string_view file, const std::string& name, const json& entry) {
  if (!entry.is_object()) refuse_tensor(file, name, "entry is not a JSON object");
  SafetensorsTensor tensor;
  tensor.name = name;

  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string()) refuse_tensor(file, name, "no dtype string");
  auto parsed_dtype = tensor::dtype_from_safetensors(dtype->get<std::string>());
  if (!parsed_dtype) {
    refuse_tensor(file, name, "unknown dtype '" + dtype->get<std::string>() + "'");
  }
  tensor.dtype = *parsed_dtype;

  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) refuse_tensor(file, name, "no shape array");
  std::uint64_t elements = 1;
  for (const json& dim : *shape) {
    if (!dim.is_number_unsigned() ||
        dim.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      refuse_tensor(
          file, name,
          "shape " + shape->dump() + " has a dimension that is not a non-negative integer");
    }
    const std::uint64_t size = dim.get<std::uint64_t>();
    if (size != 0 && elements > std::numeric_limits<std::uint64_t>::max() / size) {
      refuse_tensor(file, name, "shape " + shape->dump() + " overflows");
    }
    elements *= size;
    tensor.shape.push_back(static_cast<std::int64_t>(size));
  }

  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    refuse_tensor(file, name, "data_offsets is not [begin, end] of non-negative integers");
  }
  tensor.begin = (*offsets)[0].get<std::uint64_t>();
  tensor.end = (*offsets)[1].get<std::uint64_t>();
  if (tensor.end < tensor.begin) {
    refuse_tensor(file, name, "data_offsets " + offsets->dump() + " end before they begin");
  }
  auto bytes = tensor::dtype_bytes(tensor.dtype, elements);
  if (!bytes || *bytes != tensor.end - tensor.begin) {
    refuse_tensor(file, name,
                  "shape " + shape->dump() + " of " +
                      std::string(tensor::dtype_name(tensor.dtype)) + " needs " +
                      (bytes ? std::to_string(*bytes) : std::string("too many")) +
                      " bytes but data_offsets " + offsets->dump() + " span " +
                      std::to_string(tensor.end - tensor.begin));
  }
  return tensor;
}

}  // namespace

SafetensorsHeader parse_safetensors(std::span<const std::uint8_t> file,
                                    std::string_view file_name) {
  if (file.size() < 8) {
    refuse(file_name,
           "only " + std::to_string(file.size()) + " bytes, less than the 8-byte header length");
  }
  const std::uint64_t header_bytes = read_u64_le(file.data());
  if (header_bytes > kMaxSafetensorsHeaderBytes) {
    refuse(file_name, "header length " + std::to_string(header_bytes) + " is over the " +
                          std::to_string(kMaxSafetensorsHeaderBytes) + "-byte limit");
  }
  if (header_bytes > file.size() - 8) {
    refuse(file_name, "header length " + std::to_string(header_bytes) +
                          " runs past the end of the file (" + std::to_string(file.size()) +
                          " bytes)");
  }
  std::string_view text(reinterpret_cast<const char*>(file.data() + 8), header_bytes);
  if (text.empty() || text.front() != '{') refuse(file_name, "header does not start with '{'");
  const json header =
      parse_json_strict(text, "safetensors file '" + std::string(file_name) + "' header");
  if (!header.is_object()) refuse(file_name, "header is not a JSON object");

  SafetensorsHeader result;
  result.data_offset = 8 + header_bytes;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) refuse(file_name, "__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string())
          refuse(file_name, "__metadata__ value of '" + key + "' is not a string");
        result.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    result.tensors.push_back(parse_entry(file_name, name, entry));
  }

  // The data must tile the data section: sorted by offset, each tensor begins where the
  // previous one ended, and the last ends at the end of the file.
  std::sort(result.tensors.begin(), result.tensors.end(),
            [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  const std::uint64_t data_bytes = file.size() - result.data_offset;
  std::uint64_t expected_begin = 0;
  const SafetensorsTensor* previous = nullptr;
  for (const SafetensorsTensor& tensor : result.tensors) {
    if (tensor.end > data_bytes) {
      refuse_tensor(file_name, tensor.name,
                    "data_offsets [" + std::to_string(tensor.begin) + ", " +
                        std::to_string(tensor.end) + "] run past the end of the data section (" +
                        std::to_string(data_bytes) + " bytes)");
    }
    if (tensor.begin < expected_begin) {
      refuse_tensor(file_name, tensor.name,
                    "data [" + std::to_string(tensor.begin) + ", " + std::to_string(tensor.end) +
                        ") overlaps tensor '" + previous->name + "'");
    }
    if (tensor.begin > expected_begin) {
      refuse_tensor(file_name, tensor.name,
                    "data begins at " + std::to_string(tensor.begin) +
                        " but the previous data ends at " + std::to_string(expected_begin) +
                        ": a gap, or data out of order");
    }
    expected_begin = tensor.end;
    previous = &tensor;
  }
  if (expected_begin != data_bytes) {
    refuse(file_name, "the tensors' data ends at " + std::to_string(expected_begin) +
                          " but the data section has " + std::to_string(data_bytes) + " bytes");
  }
  return result;
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : mapping_(std::make_shared<const MappedFile>(path)),
      header_(parse_safetensors(mapping_->bytes(), path)) {}

tensor::TensorView SafetensorsFile::view(const SafetensorsTensor& tensor) const {
  return {mapping_->data() + header_.data_offset + tensor.begin, tensor.dtype, tensor.shape};
}

}  // namespace hfserve::formats
