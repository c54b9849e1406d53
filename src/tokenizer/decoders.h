// Decoders of tokenizer.json ("decoder"): ByteLevel, Metaspace, WordPiece, BPEDecoder,
// ByteFallback, Fuse, Strip, Replace, CTC, Sequence. A decoder turns the token strings of
// some ids back into text pieces; the tokenizer concatenates them. Immutable after
// construction; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/json_fields.h"

namespace hfserve::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

std::unique_ptr<Decoder> make_decoder(const json::Json& config, const std::string& where);

}  // namespace hfserve::tokenizer
