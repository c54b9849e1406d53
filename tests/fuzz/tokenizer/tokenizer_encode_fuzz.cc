// Fuzz target: encoding random bytes. The first byte picks one of the test data
// tokenizers (HFSERVE_TESTDATA); the rest is the text, often invalid UTF-8. Encoding,
// pairs, decoding and streaming decoding must never crash or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/decode_stream.h"
#include "tokenizer/tokenizer.h"

namespace {

using hfserve::tokenizer::Tokenizer;

const std::vector<std::unique_ptr<Tokenizer>>& tokenizers() {
  static const auto* loaded = [] {
    auto* out = new std::vector<std::unique_ptr<Tokenizer>>();
    const char* dir = std::getenv("HFSERVE_TESTDATA");
    std::string root = dir == nullptr ? "../shared/testdata" : dir;
    for (const char* name :
         {"llama3", "qwen3", "gpt2", "mistral7b-v0.1", "bert-base-uncased", "xlnet-base-cased"}) {
      out->push_back(std::make_unique<Tokenizer>(
          Tokenizer::from_file(root + "/tokenizers/" + name + "/tokenizer.json")));
    }
    return out;
  }();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Tokenizer& tok = *tokenizers()[data[0] % tokenizers().size()];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto encoding = tok.encode(text, {.add_special_tokens = (data[0] & 0x80) != 0,
                                    .split_special = (data[0] & 0x40) != 0,
                                    .char_offsets = (data[0] & 0x10) != 0});
  tok.decode(encoding.ids, (data[0] & 0x20) != 0);
  hfserve::tokenizer::DecodeStream stream(tok);
  for (std::uint32_t id : encoding.ids) stream.step(id);
  std::size_t half = text.size() / 2;
  tok.encode_pair(text.substr(0, half), text.substr(half));
  return 0;
}
