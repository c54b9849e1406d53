// libFuzzer target: the safetensors header parser on arbitrary bytes. Any input must either
// parse or throw hfserve::Error; a parsed header must describe only bytes inside the input.
#include <cstdint>
#include <span>

#include "formats/safetensors.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    std::span<const std::uint8_t> file(data, size);
    const hfserve::formats::SafetensorsHeader header =
        hfserve::formats::parse_safetensors(file, "fuzz");
    std::uint64_t sum = 0;
    for (const auto& tensor : header.tensors) {
      HFSERVE_CHECK(header.data_offset + tensor.end <= size);
      // Touch the first and last byte of every tensor: ASan reports any view out of range.
      if (tensor.end > tensor.begin) {
        sum += data[header.data_offset + tensor.begin] + data[header.data_offset + tensor.end - 1];
      }
    }
    return sum == 0xffffffffffffffffull ? 1 : 0;
  } catch (const hfserve::Error&) {
    return 0;
  }
}
