// The architecture registry: maps config.json's `architectures` names and GGUF's
// `general.architecture` (ModelConfig's model_type) to the function that builds the model.
// One table, written once in registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/causal_lm.h"
#include "models/load_options.h"

namespace hfserve::models {

// Builds the causal LM the config describes. Throws Error(kUnsupported) listing the
// supported architectures when there is no builder for it.
std::unique_ptr<CausalLM> build_causal_lm(const formats::ModelConfig& config,
                                          const formats::WeightSource& source,
                                          const LoadOptions& options = {});

// "LlamaForCausalLM", ... and "llama", ...: every name build_causal_lm accepts, sorted.
std::vector<std::string> supported_causal_lm_names();

}  // namespace hfserve::models
