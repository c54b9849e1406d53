#include "formats/sentence_transformers.h"

#include <filesystem>

#include "formats/json_reader.h"
#include "util/error.h"
#include "util/file_text.h"

namespace hfserve::formats {
namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(std::string_view source, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, std::string(source) + ": " + what);
}

bool flag(const Json& object, const char* key, bool fallback, std::string_view source) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(source, std::string(key) + " is not true or false");
  return it->get<bool>();
}

PoolingConfig parse_pooling(std::string_view text, std::string_view source) {
  const Json root = parse_json_strict(text, source);
  if (!root.is_object()) fail(source, "is not a JSON object");
  PoolingConfig pooling;
  pooling.cls_token = flag(root, "pooling_mode_cls_token", false, source);
  pooling.max_tokens = flag(root, "pooling_mode_max_tokens", false, source);
  pooling.mean_tokens = flag(root, "pooling_mode_mean_tokens", false, source);
  pooling.mean_sqrt_len_tokens = flag(root, "pooling_mode_mean_sqrt_len_tokens", false, source);
  pooling.weightedmean_tokens = flag(root, "pooling_mode_weightedmean_tokens", false, source);
  pooling.lasttoken = flag(root, "pooling_mode_lasttoken", false, source);
  if (pooling.modes() == 0) fail(source, "turns on no pooling_mode_*");
  return pooling;
}

}  // namespace

std::size_t PoolingConfig::modes() const {
  return static_cast<std::size_t>(cls_token) + max_tokens + mean_tokens + mean_sqrt_len_tokens +
         weightedmean_tokens + lasttoken;
}

SentenceTransformersConfig parse_sentence_transformers_config(
    std::string_view modules_json,
    const std::function<std::string(const std::string&)>& read_pooling,
    std::string_view bert_config_json, std::string_view source) {
  SentenceTransformersConfig config;
  const std::string modules_name = std::string(source) + "/modules.json";
  if (!modules_json.empty()) {
    config.from_modules = true;
    const Json modules = parse_json_strict(modules_json, modules_name);
    if (!modules.is_array()) fail(modules_name, "is not a list of modules");
    bool pooled = false;
    for (const Json& module : modules) {
      if (!module.is_object() || !module.contains("type") || !module["type"].is_string()) {
        fail(modules_name, "holds a module without a string 'type'");
      }
      const std::string type = module["type"].get<std::string>();
      const std::string path = module.contains("path") && module["path"].is_string()
                                   ? module["path"].get<std::string>()
                                   : "";
      if (type == "sentence_transformers.models.Transformer") {
        if (!path.empty()) {
          throw Error(ErrorCode::kUnsupported,
                      modules_name + ": the Transformer module lives in '" + path +
                          "'; hfserve loads it from the folder's root (as every current "
                          "sentence-transformers model saves it)");
        }
      } else if (type == "sentence_transformers.models.Pooling") {
        if (path.empty() || path.find("..") != std::string::npos || path.front() == '/') {
          fail(modules_name, "the Pooling module's path '" + path + "' is not a sub-folder");
        }
        config.pooling =
            parse_pooling(read_pooling(path), std::string(source) + "/" + path + "/config.json");
        pooled = true;
      } else if (type == "sentence_transformers.models.Normalize") {
        config.normalize = true;
      } else {
        throw Error(ErrorCode::kUnsupported,
                    modules_name + ": module " + type +
                        " is not supported (hfserve runs Transformer, Pooling and Normalize)");
      }
    }
    if (!pooled) fail(modules_name, "has no Pooling module");
  }
  if (!bert_config_json.empty()) {
    const std::string name = std::string(source) + "/sentence_bert_config.json";
    const Json root = parse_json_strict(bert_config_json, name);
    if (!root.is_object()) fail(name, "is not a JSON object");
    if (auto it = root.find("max_seq_length"); it != root.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 1) {
        fail(name, "max_seq_length is not a positive integer");
      }
      config.max_seq_length = it->get<std::size_t>();
    }
    config.do_lower_case = flag(root, "do_lower_case", false, name);
  }
  return config;
}

SentenceTransformersConfig load_sentence_transformers_config(const std::string& folder) {
  namespace fs = std::filesystem;
  const fs::path dir(folder);
  auto optional_text = [](const fs::path& path) {
    return fs::exists(path) ? read_file_text(path) : std::string();
  };
  return parse_sentence_transformers_config(
      optional_text(dir / "modules.json"),
      [&](const std::string& path) { return read_file_text(dir / path / "config.json"); },
      optional_text(dir / "sentence_bert_config.json"), folder);
}

}  // namespace hfserve::formats
