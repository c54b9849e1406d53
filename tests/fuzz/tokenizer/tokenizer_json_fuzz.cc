// Fuzz target: tokenizer.json parsing. Any bytes must either load (and then encode and
// decode a fixed text without failing on it) or throw hfserve::Error; never crash, hang
// or abort.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto tok = hfserve::tokenizer::Tokenizer::from_json(text, "fuzz.json");
    auto encoding = tok.encode("Hello wörld, 12 345! <s>\xff 你好 🤗 ", {});
    tok.decode(encoding.ids, false);
    tok.encode_pair("a b", "c", {});
  } catch (const hfserve::Error&) {
    // Rejected with a message: what we want for bad input.
  }
  return 0;
}
