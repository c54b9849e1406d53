#include "formats/gguf.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>

#include "tensor/dtype.h"
#include "util/error.h"

namespace hfserve::formats {
namespace {

constexpr std::uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

// A bounds-checked little-endian reader over the file's bytes.
class Cursor {
 public:
  Cursor(std::span<const std::uint8_t> bytes, std::string_view file) : bytes_(bytes), file_(file) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kInvalidArgument, "GGUF file '" + std::string(file_) + "': " + what);
  }

  std::uint64_t position() const { return pos_; }
  std::uint64_t remaining() const { return bytes_.size() - pos_; }

  template <typename T>
  T read(const char* what) {
    if (remaining() < sizeof(T)) {
      fail(std::string("ends inside ") + what + " at byte " + std::to_string(pos_));
    }
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  std::string read_string(const char* what) {
    const auto length = read<std::uint64_t>(what);
    if (length > remaining()) {
      fail(std::string(what) + " at byte " + std::to_string(pos_ - 8) + " claims " +
           std::to_string(length) + " bytes, more than the file has left");
    }
    std::string out(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return out;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::string_view file_;
  std::uint64_t pos_ = 0;
};

// The fewest bytes one value of a type takes, to reject absurd counts before allocating.
std::uint64_t min_value_bytes(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kArray:
      return 12;
    default:
      return 8;
  }
}

GgufType read_type(Cursor& in, const std::string& key) {
  const auto raw = in.read<std::uint32_t>("a value type");
  if (raw > static_cast<std::uint32_t>(GgufType::kFloat64)) {
    in.fail("key '" + key + "' has unknown value type " + std::to_string(raw));
  }
  return static_cast<GgufType>(raw);
}

GgufValue read_value(Cursor& in, GgufType type, const std::string& key, int depth) {
  GgufValue out;
  out.type = type;
  switch (type) {
    case GgufType::kUint8:
      out.value = std::uint64_t{in.read<std::uint8_t>("a UINT8")};
      break;
    case GgufType::kInt8:
      out.value = std::int64_t{in.read<std::int8_t>("an INT8")};
      break;
    case GgufType::kUint16:
      out.value = std::uint64_t{in.read<std::uint16_t>("a UINT16")};
      break;
    case GgufType::kInt16:
      out.value = std::int64_t{in.read<std::int16_t>("an INT16")};
      break;
    case GgufType::kUint32:
      out.value = std::uint64_t{in.read<std::uint32_t>("a UINT32")};
      break;
    case GgufType::kInt32:
      out.value = std::int64_t{in.read<std::int32_t>("an INT32")};
      break;
    case GgufType::kUint64:
      out.value = in.read<std::uint64_t>("a UINT64");
      break;
    case GgufType::kInt64:
      out.value = in.read<std::int64_t>("an INT64");
      break;
    case GgufType::kFloat32:
      out.value = double{in.read<float>("a FLOAT32")};
      break;
    case GgufType::kFloat64:
      out.value = in.read<double>("a FLOAT64");
      break;
    case GgufType::kBool: {
      const auto byte = in.read<std::uint8_t>("a BOOL");
      if (byte > 1) in.fail("key '" + key + "' has BOOL value " + std::to_string(byte));
      out.value = byte == 1;
      break;
    }
    case GgufType::kString:
      out.value = in.read_string("a string");
      break;
    case GgufType::kArray: {
      if (depth >= kMaxGgufArrayDepth) {
        in.fail("key '" + key + "' nests arrays deeper than " + std::to_string(kMaxGgufArrayDepth));
      }
      GgufArray array;
      array.element_type = read_type(in, key);
      const auto count = in.read<std::uint64_t>("an array length");
      if (count > in.remaining() / min_value_bytes(array.element_type)) {
        in.fail("key '" + key + "' claims an array of " + std::to_string(count) +
                " values, more than the file can hold");
      }
      array.items.reserve(count);
      for (std::uint64_t i = 0; i < count; ++i) {
        array.items.push_back(read_value(in, array.element_type, key, depth + 1));
      }
      out.value = std::move(array);
      break;
    }
  }
  return out;
}

GgufTensorInfo read_tensor_info(Cursor& in) {
  GgufTensorInfo info;
  info.name = in.read_string("a tensor name");
  const auto n_dims = in.read<std::uint32_t>("a tensor's dimension count");
  if (n_dims > kMaxDims) {
    in.fail("tensor '" + info.name + "' has " + std::to_string(n_dims) + " dims, more than " +
            std::to_string(kMaxDims));
  }
  std::uint64_t elements = 1;
  for (std::uint32_t i = 0; i < n_dims; ++i) {
    const auto dim = in.read<std::uint64_t>("a tensor dimension");
    if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        (dim != 0 && elements > std::numeric_limits<std::uint64_t>::max() / dim)) {
      in.fail("tensor '" + info.name + "' has a shape too large to be real");
    }
    elements *= dim;
    info.dims.push_back(dim);
  }
  info.ggml_type = in.read<std::uint32_t>("a tensor type");
  info.offset = in.read<std::uint64_t>("a tensor offset");
  auto dtype = tensor::dtype_from_ggml_type(info.ggml_type);
  if (!dtype) {
    const std::string_view name = tensor::ggml_type_name(info.ggml_type);
    throw Error(ErrorCode::kUnsupported,
                "GGUF tensor '" + info.name + "' has ggml type " + std::to_string(info.ggml_type) +
                    (name.empty() ? std::string() : " (" + std::string(name) + ")") +
                    ", which hfserve does not read yet; a Q4_K_M, Q5_K_M, Q6_K, Q8_0 or F16 "
                    "file of the same model loads");
  }
  info.dtype = *dtype;
  const std::size_t block = tensor::dtype_info(info.dtype).block_size;
  if (!info.dims.empty() && info.dims[0] % block != 0) {
    in.fail("tensor '" + info.name + "' has rows of " + std::to_string(info.dims[0]) + " " +
            std::string(tensor::dtype_name(info.dtype)) + " elements, not a whole number of " +
            std::to_string(block) + "-element blocks");
  }
  auto bytes = tensor::dtype_bytes(info.dtype, elements);
  if (!bytes) in.fail("tensor '" + info.name + "' is too large");
  info.num_bytes = *bytes;
  return info;
}

}  // namespace

std::string_view gguf_type_name(GgufType type) {
  static constexpr std::string_view kNames[] = {"UINT8",  "INT8",    "UINT16", "INT16",  "UINT32",
                                                "INT32",  "FLOAT32", "BOOL",   "STRING", "ARRAY",
                                                "UINT64", "INT64",   "FLOAT64"};
  return kNames[static_cast<std::uint32_t>(type)];
}

bool GgufValue::is_integer() const {
  return std::holds_alternative<std::uint64_t>(value) ||
         std::holds_alternative<std::int64_t>(value);
}

std::optional<std::int64_t> GgufValue::as_int() const {
  if (const auto* u = std::get_if<std::uint64_t>(&value)) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(*u);
  }
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  return std::nullopt;
}

std::optional<double> GgufValue::as_double() const {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* u = std::get_if<std::uint64_t>(&value)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  return std::nullopt;
}

const GgufValue* GgufHeader::find(std::string_view key) const {
  for (const auto& [name, value] : metadata) {
    if (name == key) return &value;
  }
  return nullptr;
}

GgufHeader parse_gguf(std::span<const std::uint8_t> file, std::string_view file_name) {
  Cursor in(file, file_name);
  GgufHeader header;
  const auto magic = in.read<std::uint32_t>("the magic");
  if (magic != 0x46554747u) in.fail("does not start with the magic \"GGUF\"");
  header.version = in.read<std::uint32_t>("the version");
  if (header.version != 2 && header.version != 3) {
    // A big-endian file's version reads byte-swapped here (e.g. 3 as 0x03000000).
    if ((header.version & 0xffffu) == 0 && header.version != 0) {
      in.fail("is big-endian (version bytes " + std::to_string(header.version) +
              "); only little-endian files are read");
    }
    in.fail("has version " + std::to_string(header.version) + "; versions 2 and 3 are read");
  }
  const auto tensor_count = in.read<std::uint64_t>("the tensor count");
  const auto kv_count = in.read<std::uint64_t>("the metadata count");
  // A key/value takes at least 8 + 4 + 1 bytes, a tensor info at least 8 + 4 + 4 + 8.
  if (kv_count > in.remaining() / 13) {
    in.fail("claims " + std::to_string(kv_count) +
            " metadata entries, more than the file can hold");
  }
  if (tensor_count > in.remaining() / 24) {
    in.fail("claims " + std::to_string(tensor_count) + " tensors, more than the file can hold");
  }

  std::set<std::string> keys;
  for (std::uint64_t i = 0; i < kv_count; ++i) {
    std::string key = in.read_string("a metadata key");
    const GgufType type = read_type(in, key);
    GgufValue value = read_value(in, type, key, 0);
    if (!keys.insert(key).second) in.fail("metadata key '" + key + "' appears twice");
    header.metadata.emplace_back(std::move(key), std::move(value));
  }
  if (const GgufValue* alignment = header.find("general.alignment")) {
    auto a = alignment->as_int();
    if (!alignment->is_integer() || !a || *a <= 0 || (*a & (*a - 1)) != 0) {
      in.fail("general.alignment is not a positive power of two");
    }
    header.alignment = static_cast<std::uint64_t>(*a);
  }

  std::set<std::string> names;
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo info = read_tensor_info(in);
    if (!names.insert(info.name).second) in.fail("tensor '" + info.name + "' appears twice");
    if (info.offset % header.alignment != 0) {
      in.fail("tensor '" + info.name + "' data offset " + std::to_string(info.offset) +
              " is not a multiple of the alignment " + std::to_string(header.alignment));
    }
    header.tensors.push_back(std::move(info));
  }
  // The data section starts at the next multiple of the alignment (an empty file of
  // tensors may end before it).
  const std::uint64_t end_of_infos = in.position();
  const std::uint64_t padding =
      (header.alignment - end_of_infos % header.alignment) % header.alignment;
  header.data_offset = end_of_infos + padding;
  const std::uint64_t data_bytes =
      file.size() >= header.data_offset ? file.size() - header.data_offset : 0;

  std::vector<const GgufTensorInfo*> by_offset;
  for (const GgufTensorInfo& info : header.tensors) by_offset.push_back(&info);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  std::uint64_t previous_end = 0;
  const GgufTensorInfo* previous = nullptr;
  for (const GgufTensorInfo* info : by_offset) {
    if (info->offset > data_bytes || info->num_bytes > data_bytes - info->offset) {
      in.fail("tensor '" + info->name + "' data [" + std::to_string(info->offset) + ", +" +
              std::to_string(info->num_bytes) + ") runs past the end of the file (data section " +
              std::to_string(data_bytes) + " bytes)");
    }
    if (previous != nullptr && info->offset < previous_end && info->num_bytes > 0) {
      in.fail("tensor '" + info->name + "' data overlaps tensor '" + previous->name + "'");
    }
    if (info->num_bytes > 0) {
      previous_end = info->offset + info->num_bytes;
      previous = info;
    }
  }
  return header;
}

GgufFile::GgufFile(const std::string& path)
    : mapping_(std::make_shared<const MappedFile>(path)),
      header_(parse_gguf(mapping_->bytes(), path)) {}

tensor::TensorView GgufFile::view(const GgufTensorInfo& info) const {
  std::vector<std::int64_t> shape(info.dims.rbegin(), info.dims.rend());
  return {mapping_->data() + header_.data_offset + info.offset, info.dtype, std::move(shape)};
}

std::vector<std::string> gguf_split_paths(const std::string& path) {
  // "<stem>-NNNNN-of-MMMMM.gguf", llama.cpp's gguf-split naming.
  static constexpr std::string_view kSuffix = ".gguf";
  static constexpr std::size_t kTailLength = 15;  // "-00001-of-00003"
  if (!path.ends_with(kSuffix) || path.size() < kSuffix.size() + kTailLength) return {path};
  const std::string_view tail =
      std::string_view(path).substr(path.size() - kSuffix.size() - kTailLength, kTailLength);
  auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (tail[0] != '-' || tail.substr(6, 4) != "-of-" || !digits(tail.substr(1, 5)) ||
      !digits(tail.substr(10, 5))) {
    return {path};
  }
  const int part = std::stoi(std::string(tail.substr(1, 5)));
  const int count = std::stoi(std::string(tail.substr(10, 5)));
  if (part < 1 || part > count) {
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "': split part " + std::to_string(part) +
                                                 " is not between 1 and " + std::to_string(count));
  }
  const std::string stem = path.substr(0, path.size() - kSuffix.size() - kTailLength);
  std::vector<std::string> paths;
  for (int i = 1; i <= count; ++i) {
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "-%05d-of-%05d.gguf", i, count);
    paths.push_back(stem + suffix);
  }
  return paths;
}

}  // namespace hfserve::formats
