// DecodeStream: streaming detokenisation. Feed ids one at a time; step() returns the
// text that is complete so far and never a broken UTF-8 character (a byte-level or
// <0xXX> piece that ends inside a character waits for the next ids). Same algorithm as
// HF tokenizers' DecodeStream: decode a short window of recent ids and emit what it adds
// past the already-emitted prefix once it does not end in U+FFFD.
//
// Holds a reference to the Tokenizer, which must outlive it. One stream per sequence;
// not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace hfserve::tokenizer {

class DecodeStream {
 public:
  explicit DecodeStream(const Tokenizer& tokenizer, bool skip_special_tokens = true)
      : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {}

  // The new text, or nullopt when nothing complete was added.
  std::optional<std::string> step(std::uint32_t id);

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  std::vector<std::uint32_t> ids_;
  std::string prefix_;
  std::size_t prefix_index_ = 0;
};

}  // namespace hfserve::tokenizer
