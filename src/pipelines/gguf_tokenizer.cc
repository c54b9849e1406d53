#include "pipelines/gguf_tokenizer.h"

#include <limits>
#include <string>
#include <string_view>

#include "util/error.h"

namespace hfserve::pipelines {
namespace {

using formats::GgufType;
using formats::GgufValue;

[[noreturn]] void ill_typed(std::string_view key, std::string_view expected,
                            const GgufValue& value) {
  std::string found(formats::gguf_type_name(value.type));
  if (const formats::GgufArray* array = value.as_array()) {
    found += " of " + std::string(formats::gguf_type_name(array->element_type));
  }
  throw Error(ErrorCode::kInvalidArgument, "GGUF metadata " + std::string(key) + ": expected " +
                                               std::string(expected) + ", found " + found);
}

const GgufValue& require(const formats::GgufHeader& header, std::string_view key) {
  const GgufValue* value = header.find(key);
  if (value == nullptr) {
    throw Error(ErrorCode::kInvalidArgument,
                "GGUF metadata has no " + std::string(key) + "; the file carries no tokenizer");
  }
  return *value;
}

std::string read_string(std::string_view key, const GgufValue& value) {
  const std::string* s = value.as_string();
  if (s == nullptr) ill_typed(key, "STRING", value);
  return *s;
}

const formats::GgufArray& read_array(std::string_view key, const GgufValue& value,
                                     std::string_view expected, bool (*fits)(GgufType)) {
  const formats::GgufArray* array = value.as_array();
  if (array == nullptr || !fits(array->element_type)) ill_typed(key, expected, value);
  return *array;
}

bool is_string(GgufType type) { return type == GgufType::kString; }
bool is_number(GgufType type) {
  return type != GgufType::kString && type != GgufType::kArray && type != GgufType::kBool;
}

std::vector<std::string> string_array(const formats::GgufHeader& header, std::string_view key) {
  std::vector<std::string> out;
  const GgufValue* value = header.find(key);
  if (value == nullptr) return out;
  const formats::GgufArray& array = read_array(key, *value, "ARRAY of STRING", is_string);
  out.reserve(array.items.size());
  for (const GgufValue& item : array.items) out.push_back(*item.as_string());
  return out;
}

// Scores are FLOAT32 (INT32 in some files, which llama.cpp also accepts).
std::vector<float> float_array(const formats::GgufHeader& header, std::string_view key) {
  std::vector<float> out;
  const GgufValue* value = header.find(key);
  if (value == nullptr) return out;
  const formats::GgufArray& array = read_array(key, *value, "ARRAY of numbers", is_number);
  out.reserve(array.items.size());
  for (const GgufValue& item : array.items) out.push_back(static_cast<float>(*item.as_double()));
  return out;
}

std::vector<std::int32_t> int_array(const formats::GgufHeader& header, std::string_view key) {
  std::vector<std::int32_t> out;
  const GgufValue* value = header.find(key);
  if (value == nullptr) return out;
  auto is_int = [](GgufType type) {
    return is_number(type) && type != GgufType::kFloat32 && type != GgufType::kFloat64;
  };
  const formats::GgufArray& array = read_array(key, *value, "ARRAY of integers", is_int);
  out.reserve(array.items.size());
  for (const GgufValue& item : array.items) {
    std::optional<std::int64_t> v = item.as_int();
    if (!v || *v < std::numeric_limits<std::int32_t>::min() ||
        *v > std::numeric_limits<std::int32_t>::max()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "GGUF metadata " + std::string(key) + ": value out of int32 range");
    }
    out.push_back(static_cast<std::int32_t>(*v));
  }
  return out;
}

// A byte blob stored as an array of UINT8 or INT8 (the SentencePiece charsmap; llama.cpp
// accepts both element types).
std::string byte_array(const formats::GgufHeader& header, std::string_view key) {
  std::string out;
  const GgufValue* value = header.find(key);
  if (value == nullptr) return out;
  auto is_byte = [](GgufType type) { return type == GgufType::kUint8 || type == GgufType::kInt8; };
  const formats::GgufArray& array = read_array(key, *value, "ARRAY of UINT8", is_byte);
  out.reserve(array.items.size());
  for (const GgufValue& item : array.items) {
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(*item.as_int())));
  }
  return out;
}

std::optional<std::uint32_t> token_id(const formats::GgufHeader& header, std::string_view key) {
  const GgufValue* value = header.find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_integer()) ill_typed(key, "an integer", *value);
  // as_int is empty only for a UINT64 past INT64_MAX: out of range, ignored as llama.cpp
  // ignores an id past the vocabulary.
  std::optional<std::int64_t> id = value->as_int();
  if (!id || *id < 0 || *id > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(*id);
}

std::optional<bool> flag(const formats::GgufHeader& header, std::string_view key) {
  const GgufValue* value = header.find(key);
  if (value == nullptr) return std::nullopt;
  const bool* b = value->as_bool();
  if (b == nullptr) ill_typed(key, "BOOL", *value);
  return *b;
}

}  // namespace

tokenizer::GgufVocab gguf_vocab(const formats::GgufHeader& header) {
  constexpr std::string_view kModel = "tokenizer.ggml.model";
  constexpr std::string_view kTokens = "tokenizer.ggml.tokens";
  tokenizer::GgufVocab vocab;
  vocab.model = read_string(kModel, require(header, kModel));
  if (const GgufValue* pre = header.find("tokenizer.ggml.pre")) {
    vocab.pre = read_string("tokenizer.ggml.pre", *pre);
  }
  require(header, kTokens);
  vocab.tokens = string_array(header, kTokens);
  vocab.scores = float_array(header, "tokenizer.ggml.scores");
  vocab.token_types = int_array(header, "tokenizer.ggml.token_type");
  vocab.merges = string_array(header, "tokenizer.ggml.merges");
  vocab.bos_id = token_id(header, "tokenizer.ggml.bos_token_id");
  vocab.eos_id = token_id(header, "tokenizer.ggml.eos_token_id");
  vocab.unk_id = token_id(header, "tokenizer.ggml.unknown_token_id");
  vocab.sep_id = token_id(header, "tokenizer.ggml.seperator_token_id");  // sic, gguf-py's name
  vocab.pad_id = token_id(header, "tokenizer.ggml.padding_token_id");
  vocab.cls_id = token_id(header, "tokenizer.ggml.cls_token_id");
  vocab.mask_id = token_id(header, "tokenizer.ggml.mask_token_id");
  vocab.add_bos = flag(header, "tokenizer.ggml.add_bos_token");
  vocab.add_eos = flag(header, "tokenizer.ggml.add_eos_token");
  vocab.add_sep = flag(header, "tokenizer.ggml.add_sep_token");
  vocab.add_space_prefix = flag(header, "tokenizer.ggml.add_space_prefix");
  vocab.remove_extra_whitespaces = flag(header, "tokenizer.ggml.remove_extra_whitespaces");
  vocab.precompiled_charsmap = byte_array(header, "tokenizer.ggml.precompiled_charsmap");
  vocab.lowercase = flag(header, "tokenizer.ggml.normalizer.lowercase");
  return vocab;
}

tokenizer::Tokenizer tokenizer_from_gguf(const formats::GgufHeader& header) {
  return tokenizer::tokenizer_from_gguf_vocab(gguf_vocab(header));
}

}  // namespace hfserve::pipelines
