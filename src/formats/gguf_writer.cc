#include "formats/gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "util/error.h"

namespace hfserve::formats {
namespace {

constexpr std::uint64_t kAlignment = 32;

class Out {
 public:
  explicit Out(std::ofstream& stream) : stream_(stream) {}
  template <typename T>
  void put(T value) {
    stream_.write(reinterpret_cast<const char*>(&value), sizeof(T));
    written_ += sizeof(T);
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  }
  void bytes(const std::uint8_t* data, std::size_t size) {
    stream_.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    written_ += size;
  }
  void pad() {
    static const std::uint8_t kZeros[kAlignment] = {};
    bytes(kZeros, (kAlignment - written_ % kAlignment) % kAlignment);
  }

 private:
  std::ofstream& stream_;
  std::uint64_t written_ = 0;
};

void put_value(Out& out, const GgufValue& value) {
  switch (value.type) {
    case GgufType::kUint8:
      return out.put(static_cast<std::uint8_t>(std::get<std::uint64_t>(value.value)));
    case GgufType::kInt8:
      return out.put(static_cast<std::int8_t>(std::get<std::int64_t>(value.value)));
    case GgufType::kUint16:
      return out.put(static_cast<std::uint16_t>(std::get<std::uint64_t>(value.value)));
    case GgufType::kInt16:
      return out.put(static_cast<std::int16_t>(std::get<std::int64_t>(value.value)));
    case GgufType::kUint32:
      return out.put(static_cast<std::uint32_t>(std::get<std::uint64_t>(value.value)));
    case GgufType::kInt32:
      return out.put(static_cast<std::int32_t>(std::get<std::int64_t>(value.value)));
    case GgufType::kUint64:
      return out.put(std::get<std::uint64_t>(value.value));
    case GgufType::kInt64:
      return out.put(std::get<std::int64_t>(value.value));
    case GgufType::kFloat32:
      return out.put(static_cast<float>(std::get<double>(value.value)));
    case GgufType::kFloat64:
      return out.put(std::get<double>(value.value));
    case GgufType::kBool:
      return out.put(static_cast<std::uint8_t>(std::get<bool>(value.value) ? 1 : 0));
    case GgufType::kString:
      return out.put_string(std::get<std::string>(value.value));
    case GgufType::kArray: {
      const GgufArray& array = std::get<GgufArray>(value.value);
      out.put(static_cast<std::uint32_t>(array.element_type));
      out.put<std::uint64_t>(array.items.size());
      for (const GgufValue& item : array.items) put_value(out, item);
      return;
    }
  }
}

}  // namespace

void write_gguf(const std::string& path,
                const std::vector<std::pair<std::string, GgufValue>>& metadata,
                const std::vector<GgufTensorToWrite>& tensors) {
  std::vector<std::uint64_t> offsets;
  std::uint64_t offset = 0;
  for (const GgufTensorToWrite& t : tensors) {
    std::uint64_t elements = 1;
    for (std::int64_t dim : t.shape) elements *= static_cast<std::uint64_t>(dim);
    auto bytes = tensor::dtype_bytes(t.dtype, elements);
    if (!tensor::ggml_type_of(t.dtype) || !bytes || *bytes != t.data.size()) {
      throw Error(ErrorCode::kInvalidArgument, "cannot write tensor '" + t.name + "' (" +
                                                   std::string(tensor::dtype_name(t.dtype)) +
                                                   ") to GGUF: no GGUF type or wrong data size");
    }
    offsets.push_back(offset);
    offset += (t.data.size() + kAlignment - 1) / kAlignment * kAlignment;
  }

  const std::string partial = path + ".incomplete";
  {
    std::ofstream stream(partial, std::ios::binary | std::ios::trunc);
    if (!stream)
      throw Error(ErrorCode::kInternal, "cannot create '" + partial + "': " + std::strerror(errno));
    Out out(stream);
    out.put<std::uint32_t>(0x46554747u);  // "GGUF"
    out.put<std::uint32_t>(3);
    out.put<std::uint64_t>(tensors.size());
    std::uint64_t kv_count = 0;
    for (const auto& [key, value] : metadata) kv_count += key == "general.alignment" ? 0 : 1;
    out.put<std::uint64_t>(kv_count);
    for (const auto& [key, value] : metadata) {
      if (key == "general.alignment") continue;
      out.put_string(key);
      out.put(static_cast<std::uint32_t>(value.type));
      put_value(out, value);
    }
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const GgufTensorToWrite& t = tensors[i];
      out.put_string(t.name);
      out.put<std::uint32_t>(static_cast<std::uint32_t>(t.shape.size()));
      for (auto dim = t.shape.rbegin(); dim != t.shape.rend(); ++dim)
        out.put<std::uint64_t>(static_cast<std::uint64_t>(*dim));
      out.put<std::uint32_t>(*tensor::ggml_type_of(t.dtype));
      out.put<std::uint64_t>(offsets[i]);
    }
    out.pad();
    for (const GgufTensorToWrite& t : tensors) {
      out.bytes(t.data.data(), t.data.size());
      out.pad();
    }
    stream.flush();
    if (!stream) throw Error(ErrorCode::kInternal, "cannot write '" + partial + "'");
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    throw Error(ErrorCode::kInternal,
                "cannot rename '" + partial + "' to '" + path + "': " + std::strerror(errno));
  }
}

}  // namespace hfserve::formats
