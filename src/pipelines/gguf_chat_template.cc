#include "pipelines/gguf_chat_template.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "formats/gguf.h"
#include "util/error.h"

namespace hfserve::pipelines {
namespace {

// The string metadata value `key`, or nullptr when absent; a value of another type is an
// error (a template or name that is not text cannot be rendered).
const std::string* metadata_string(const formats::GgufHeader& header, const std::string& key,
                                   const std::string& file) {
  const formats::GgufValue* value = header.find(key);
  if (value == nullptr) return nullptr;
  if (const std::string* text = value->as_string()) return text;
  throw Error(ErrorCode::kInvalidArgument, file + ": metadata " + key + " is not a string");
}

}  // namespace

chat::ModelTemplates load_gguf_chat_templates(const std::filesystem::path& path,
                                              bool require_template) {
  const formats::GgufFile gguf(path.string());
  const formats::GgufHeader& header = gguf.header();
  const std::string file = path.string();
  chat::ModelTemplates result;
  if (const std::string* source = metadata_string(header, "tokenizer.chat_template", file)) {
    result.templates.emplace_back("default", *source);
  }
  if (const formats::GgufValue* names = header.find("tokenizer.chat_templates")) {
    const formats::GgufArray* list = names->as_array();
    if (list == nullptr) {
      throw Error(ErrorCode::kInvalidArgument,
                  file + ": metadata tokenizer.chat_templates is not an array");
    }
    for (const formats::GgufValue& name : list->items) {
      const std::string* text = name.as_string();
      if (text == nullptr) {
        throw Error(ErrorCode::kInvalidArgument,
                    file + ": metadata tokenizer.chat_templates holds a non-string");
      }
      const std::string key = "tokenizer.chat_template." + *text;
      const std::string* source = metadata_string(header, key, file);
      if (source == nullptr) {
        throw Error(ErrorCode::kInvalidArgument, file + ": tokenizer.chat_templates names " +
                                                     *text + " but " + key + " is missing");
      }
      result.templates.emplace_back(*text, *source);
    }
  }
  if (result.templates.empty() && require_template) {
    throw Error(ErrorCode::kNotFound, file + " has no chat template (no tokenizer.chat_template)");
  }

  const formats::GgufValue* tokens_value = header.find("tokenizer.ggml.tokens");
  const formats::GgufArray* tokens = tokens_value ? tokens_value->as_array() : nullptr;
  constexpr std::pair<std::string_view, std::string_view> kSpecialIds[] = {
      {"bos_token", "tokenizer.ggml.bos_token_id"},
      {"eos_token", "tokenizer.ggml.eos_token_id"},
      {"unk_token", "tokenizer.ggml.unknown_token_id"},
      {"pad_token", "tokenizer.ggml.padding_token_id"}};
  for (const auto& [name, key] : kSpecialIds) {
    const formats::GgufValue* id_value = header.find(key);
    if (id_value == nullptr) continue;
    const std::optional<std::int64_t> id =
        id_value->is_integer() ? id_value->as_int() : std::nullopt;
    if (!id || tokens == nullptr || *id < 0 ||
        static_cast<std::uint64_t>(*id) >= tokens->items.size() ||
        tokens->items[static_cast<std::size_t>(*id)].as_string() == nullptr) {
      throw Error(
          ErrorCode::kInvalidArgument,
          file + ": " + std::string(key) + " is not the id of a token in tokenizer.ggml.tokens");
    }
    result.special_tokens[std::string(name)] =
        *tokens->items[static_cast<std::size_t>(*id)].as_string();
  }
  return result;
}

}  // namespace hfserve::pipelines
