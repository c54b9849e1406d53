// Fuzz target: tokenizer_config.json parsing. Any bytes must either parse or throw
// hfserve::Error; never crash, hang or abort.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tokenizer/json_fields.h"
#include "tokenizer/pretrained.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    hfserve::tokenizer::parse_tokenizer_config(
        hfserve::tokenizer::json::parse(text, "tokenizer_config.json"), "tokenizer_config.json");
  } catch (const hfserve::Error&) {
    // Rejected with a message: what we want for bad input.
  }
  return 0;
}
