// GPT-2 (transformers' GPT2LMHeadModel): gpt2.cc states the block diagram. Registered in
// models/registry.cc.
#pragma once

#include <memory>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/causal_lm.h"
#include "models/load_options.h"

namespace hfserve::models {

// Builds the model over `source`'s weights (safetensors, with or without the
// "transformer." prefix); `source` must outlive it. Throws Error naming a missing or
// mis-shaped weight, and Error(kUnsupported) for a GGUF file.
std::unique_ptr<CausalLM> build_gpt2(const formats::ModelConfig& config,
                                     const formats::WeightSource& source,
                                     const LoadOptions& options);

}  // namespace hfserve::models
