// libFuzzer target: config.json (and generation_config.json) -> ModelConfig on arbitrary
// text. Any input must give a ModelConfig or throw hfserve::Error.
#include <cstdint>
#include <string_view>

#include "formats/model_config.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    hfserve::formats::model_config_from_hf(text, "", "fuzz");
  } catch (const hfserve::Error&) {
  }
  // The same bytes as a generation_config.json beside a valid config.
  try {
    hfserve::formats::model_config_from_hf(
        R"({"model_type":"llama","vocab_size":8,"hidden_size":8,"intermediate_size":8,
            "num_hidden_layers":1,"num_attention_heads":2,"max_position_embeddings":8})",
        text, "fuzz");
  } catch (const hfserve::Error&) {
  }
  return 0;
}
