// HubSettings: where the Hub is and where its files go, from the Hugging Face environment
// variables that hub/ owns (HF_ENDPOINT, HF_HUB_CACHE, HF_HOME, HF_HUB_OFFLINE, ...) with
// the same defaults and precedence as huggingface_hub, so both share one cache.
// Nothing else in hfserve reads these variables. Pure given the lookup; thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace hfserve::hub {

// Reads one environment variable; tests pass their own table. nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
EnvLookup process_environment();

struct HubSettings {
  // Scheme, host and optional port, no trailing '/': "https://huggingface.co".
  std::string endpoint = "https://huggingface.co";
  // The hub cache: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub.
  std::filesystem::path cache_dir;
  // HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
  std::filesystem::path hf_home;
  // HF_HUB_OFFLINE is 1/true/yes/on (any case): resolve from the cache only.
  bool offline = false;

  static HubSettings from_environment(const EnvLookup& env);
};

}  // namespace hfserve::hub
