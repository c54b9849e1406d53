// The Llama family of decoders (llama, mistral, qwen2, qwen3): llama.cc states the block
// diagram. Registered in models/registry.cc.
#pragma once

#include <memory>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/causal_lm.h"
#include "models/load_options.h"

namespace hfserve::models {

// Builds the model over `source`'s weights; `source` must outlive it (weights are views).
// Throws Error naming a missing or mis-shaped weight.
std::unique_ptr<CausalLM> build_llama(const formats::ModelConfig& config,
                                      const formats::WeightSource& source,
                                      const LoadOptions& options);

}  // namespace hfserve::models
