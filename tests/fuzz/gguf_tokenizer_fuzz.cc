// libFuzzer target: a tokenizer from the tokenizer.ggml.* metadata of any bytes the GGUF
// parser accepts. Building must succeed or throw hfserve::Error; a built tokenizer must
// encode and decode a mixed text without crashing.
#include <cstdint>
#include <span>

#include "formats/gguf.h"
#include "pipelines/gguf_tokenizer.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hfserve;
  try {
    formats::GgufHeader header =
        formats::parse_gguf(std::span<const std::uint8_t>(data, size), "fuzz");
    tokenizer::Tokenizer tok = pipelines::tokenizer_from_gguf(header);
    tokenizer::Encoding encoding = tok.encode("Hello wörld 123 <s>[CLS]<|endoftext|> 🤗\n\t ab");
    tok.decode(encoding.ids, false);
    tok.decode(encoding.ids, true);
  } catch (const Error&) {
  }
  return 0;
}
