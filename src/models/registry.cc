#include "models/registry.h"

#include <algorithm>
#include <functional>
#include <map>

#include "models/llama.h"
#include "util/error.h"

namespace hfserve::models {
namespace {

using Builder = std::function<std::unique_ptr<CausalLM>(
    const formats::ModelConfig&, const formats::WeightSource&, const LoadOptions&)>;

// Keyed by Hugging Face's class names and by model_type (what a GGUF file gives).
const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table = {
      {"LlamaForCausalLM", build_llama},   {"llama", build_llama},
      {"MistralForCausalLM", build_llama}, {"mistral", build_llama},
      {"Qwen2ForCausalLM", build_llama},   {"qwen2", build_llama},
      {"Qwen3ForCausalLM", build_llama},   {"qwen3", build_llama},
  };
  return table;
}

}  // namespace

std::vector<std::string> supported_causal_lm_names() {
  std::vector<std::string> names;
  for (const auto& [name, builder] : builders()) names.push_back(name);
  return names;
}

std::unique_ptr<CausalLM> build_causal_lm(const formats::ModelConfig& config,
                                          const formats::WeightSource& source,
                                          const LoadOptions& options) {
  const auto& table = builders();
  auto it = table.find(config.architecture);
  if (it == table.end()) it = table.find(config.model_type);
  if (it == table.end()) {
    std::string list;
    for (const std::string& name : supported_causal_lm_names()) {
      list += (list.empty() ? "" : ", ") + name;
    }
    throw Error(ErrorCode::kUnsupported, "no causal LM for architecture '" + config.architecture +
                                             "' (model_type '" + config.model_type +
                                             "'); supported: " + list);
  }
  return it->second(config, source, options);
}

}  // namespace hfserve::models
