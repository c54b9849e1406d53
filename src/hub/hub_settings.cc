#include "hub/hub_settings.h"

#include <algorithm>
#include <cstdlib>

#include "util/error.h"

namespace hfserve::hub {
namespace {

std::optional<std::string> non_empty(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

bool is_true(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return value == "1" || value == "ON" || value == "YES" || value == "TRUE";
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

HubSettings HubSettings::from_environment(const EnvLookup& env) {
  HubSettings settings;
  if (auto endpoint = non_empty(env, "HF_ENDPOINT")) {
    std::string value = *endpoint;
    while (!value.empty() && value.back() == '/') value.pop_back();
    if (!value.starts_with("http://") && !value.starts_with("https://")) {
      throw Error(ErrorCode::kInvalidArgument,
                  "HF_ENDPOINT '" + value + "' is not an http:// or https:// URL");
    }
    settings.endpoint = value;
  }
  if (auto home = non_empty(env, "HF_HOME")) {
    settings.hf_home = *home;
  } else if (auto xdg = non_empty(env, "XDG_CACHE_HOME")) {
    settings.hf_home = std::filesystem::path(*xdg) / "huggingface";
  } else {
    settings.hf_home =
        std::filesystem::path(non_empty(env, "HOME").value_or("/")) / ".cache" / "huggingface";
  }
  if (auto cache = non_empty(env, "HF_HUB_CACHE")) {
    settings.cache_dir = *cache;
  } else if (auto legacy = non_empty(env, "HUGGINGFACE_HUB_CACHE")) {
    settings.cache_dir = *legacy;
  } else {
    settings.cache_dir = settings.hf_home / "hub";
  }
  if (auto offline = non_empty(env, "HF_HUB_OFFLINE")) settings.offline = is_true(*offline);
  return settings;
}

}  // namespace hfserve::hub
