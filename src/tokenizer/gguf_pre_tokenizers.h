// The pre-tokenizers of GGUF's byte-level BPE vocabularies: `tokenizer.ggml.pre` names
// the split regexes of the model's original tokenizer.json (llama.cpp keeps the same
// table in llama-vocab.cpp), and with them the defaults llama.cpp attaches to that name.
// Internal to the layer; the table is immutable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hfserve::tokenizer {

struct GgufPreTokenizer {
  // Applied in order, each one cutting every piece further at its matches and keeping
  // both the matches and the text between them (HF's Split with behavior Isolated).
  std::vector<std::string> regexes;
  // A piece that is already a token is emitted whole (HF BPE's ignore_merges).
  bool ignore_merges = false;
  // Whether BOS is added when the file has no tokenizer.ggml.add_bos_token.
  bool add_bos = false;
  // Whether the separator is appended when the file has no tokenizer.ggml.add_sep_token.
  bool add_sep = false;
};

// The pre-tokenizer named `pre` ("" means llama.cpp's "default"). Throws
// Error(unsupported) naming `pre` and listing the supported names.
const GgufPreTokenizer& gguf_pre_tokenizer(std::string_view pre);

}  // namespace hfserve::tokenizer
