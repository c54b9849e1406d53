// Where a model keeps its chat template, read as transformers reads it: the
// `chat_template` of tokenizer_config.json (a string, or a list of {name, template}),
// overridden by chat_template.jinja and additional_chat_templates/*.jinja beside it; and
// the special tokens the template sees (bos_token, eos_token, ...), from
// tokenizer_config.json (AddedToken objects reduced to their content) or, when absent
// there, special_tokens_map.json. Reads files; no state; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace hfserve::chat {

struct ModelTemplates {
  // (name, source); a model with one template has it under "default".
  std::vector<std::pair<std::string, std::string>> templates;
  // HF's special_tokens_map: the set special tokens, as strings.
  nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object();

  // The template transformers would use (get_chat_template): the one named `name` when
  // given, else "tool_use" when the request has tools and the model has one, else
  // "default". Throws Error(not_found) when there is none to choose.
  const std::string& select(bool has_tools, std::string_view name = {}) const;
};

// Reads `folder`. Throws Error(not_found) when it has no chat template (unless
// `require_template` is false: then only the special tokens may be filled), and
// Error(invalid_argument) naming the file and position for malformed JSON.
ModelTemplates load_model_templates(const std::filesystem::path& folder,
                                    bool require_template = true);

// The special tokens of a parsed tokenizer_config.json (see ModelTemplates).
nlohmann::ordered_json special_tokens_from_config(const nlohmann::ordered_json& config);

// Reads a JSON file, with errors that name the file and the position.
nlohmann::ordered_json read_json_file(const std::filesystem::path& path);

}  // namespace hfserve::chat
