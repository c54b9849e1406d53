// libFuzzer target: the sentence-transformers module files on arbitrary text. The input is
// split at its first two NUL bytes into modules.json, the Pooling config.json and
// sentence_bert_config.json. Any input must give a config or throw hfserve::Error.
#include <cstdint>
#include <string>
#include <string_view>

#include "formats/sentence_transformers.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (int i = 0; i < 2; ++i) {
    const std::size_t nul = text.find('\0');
    parts[i] = text.substr(0, nul);
    text = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
  }
  parts[2] = text;
  try {
    hfserve::formats::parse_sentence_transformers_config(
        parts[0], [&](const std::string&) { return std::string(parts[1]); }, parts[2], "fuzz");
  } catch (const hfserve::Error&) {
  }
  return 0;
}
