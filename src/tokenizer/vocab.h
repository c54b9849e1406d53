// Reading a tokenizer.json vocabulary ({"token": id, ...}) into a lookup table and its
// reverse, with the errors a malformed one deserves. Internal to the layer.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/json_fields.h"

namespace hfserve::tokenizer {

struct Vocab {
  std::unordered_map<std::string, std::uint32_t> to_id;
  std::vector<std::string> to_token;  // by id; "" where no token has that id
  std::vector<bool> present;          // by id
};

// The object at config[key]; throws naming `where` when it is not an object of ids.
Vocab read_vocab(const json::Json& config, const std::string& where);

// "<0xAB>", the SentencePiece name of a byte.
std::string byte_token(unsigned char byte);

}  // namespace hfserve::tokenizer
