#include "chat/model_template.h"

#include <algorithm>

#include "util/error.h"
#include "util/file_text.h"

namespace hfserve::chat {
namespace {

constexpr std::string_view kSpecialTokenKeys[] = {
    "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

// A token as tokenizer_config.json stores it: a string or an AddedToken object.
std::string token_text(const nlohmann::ordered_json& token) {
  if (token.is_string()) return token.get<std::string>();
  if (token.is_object() && token.contains("content") && token["content"].is_string()) {
    return token["content"].get<std::string>();
  }
  return {};
}

}  // namespace

nlohmann::ordered_json read_json_file(const std::filesystem::path& path) {
  std::string text = read_file_text(path);
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": malformed JSON at byte " +
                                                 std::to_string(error.byte) + ": " + error.what());
  }
}

nlohmann::ordered_json special_tokens_from_config(const nlohmann::ordered_json& config) {
  nlohmann::ordered_json tokens = nlohmann::ordered_json::object();
  if (!config.is_object()) return tokens;
  for (std::string_view key : kSpecialTokenKeys) {
    auto it = config.find(std::string(key));
    if (it == config.end()) continue;
    std::string text = token_text(*it);
    if (!text.empty()) tokens[std::string(key)] = text;
  }
  auto extra = config.find("additional_special_tokens");
  if (extra != config.end() && extra->is_array() && !extra->empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& token : *extra) list.push_back(token_text(token));
    tokens["additional_special_tokens"] = list;
  }
  return tokens;
}

const std::string& ModelTemplates::select(bool has_tools, std::string_view name) const {
  auto find = [&](std::string_view wanted) -> const std::string* {
    for (const auto& [key, source] : templates) {
      if (key == wanted) return &source;
    }
    return nullptr;
  };
  if (!name.empty()) {
    if (const std::string* source = find(name)) return *source;
    throw Error(ErrorCode::kNotFound,
                "the model has no chat template named '" + std::string(name) + "'");
  }
  if (has_tools) {
    if (const std::string* source = find("tool_use")) return *source;
  }
  if (const std::string* source = find("default")) return *source;
  std::string names;
  for (const auto& entry : templates) names += (names.empty() ? "" : ", ") + entry.first;
  throw Error(ErrorCode::kNotFound,
              "the model has several chat templates and none is named 'default': " + names);
}

ModelTemplates load_model_templates(const std::filesystem::path& folder, bool require_template) {
  if (!std::filesystem::is_directory(folder)) {
    throw Error(ErrorCode::kNotFound, folder.string() + " is not a folder");
  }
  ModelTemplates result;
  std::filesystem::path config_path = folder / "tokenizer_config.json";
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  if (std::filesystem::exists(config_path)) {
    config = read_json_file(config_path);
    if (!config.is_object()) {
      throw Error(ErrorCode::kInvalidArgument, config_path.string() + ": expected a JSON object");
    }
    auto chat_template = config.find("chat_template");
    if (chat_template != config.end() && chat_template->is_string()) {
      result.templates.emplace_back("default", chat_template->get<std::string>());
    } else if (chat_template != config.end() && chat_template->is_array()) {
      for (const auto& entry : *chat_template) {
        if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") ||
            !entry["name"].is_string() || !entry["template"].is_string()) {
          throw Error(
              ErrorCode::kInvalidArgument,
              config_path.string() +
                  ": chat_template list entries must be {\"name\": ..., \"template\": ...}");
        }
        result.templates.emplace_back(entry["name"].get<std::string>(),
                                      entry["template"].get<std::string>());
      }
    } else if (chat_template != config.end() && !chat_template->is_null()) {
      throw Error(ErrorCode::kInvalidArgument,
                  config_path.string() + ": chat_template must be a string or a list");
    }
    result.special_tokens = special_tokens_from_config(config);
  }
  std::filesystem::path map_path = folder / "special_tokens_map.json";
  if (std::filesystem::exists(map_path)) {
    nlohmann::ordered_json fallback = special_tokens_from_config(read_json_file(map_path));
    for (const auto& [key, value] : fallback.items()) {
      if (!config.contains(key)) result.special_tokens[key] = value;
    }
  }
  // Template files beside the config replace what it holds (transformers >= 4.50).
  std::vector<std::pair<std::string, std::string>> files;
  if (std::filesystem::exists(folder / "chat_template.jinja")) {
    files.emplace_back("default", read_file_text(folder / "chat_template.jinja"));
  }
  std::filesystem::path extra_dir = folder / "additional_chat_templates";
  if (std::filesystem::is_directory(extra_dir)) {
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(extra_dir)) {
      if (entry.path().extension() == ".jinja") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) files.emplace_back(path.stem().string(), read_file_text(path));
  }
  if (!files.empty()) result.templates = std::move(files);
  if (result.templates.empty() && require_template) {
    throw Error(ErrorCode::kNotFound, folder.string() +
                                          " has no chat template (no chat_template in "
                                          "tokenizer_config.json and no chat_template.jinja)");
  }
  return result;
}

}  // namespace hfserve::chat
