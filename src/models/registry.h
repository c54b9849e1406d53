// The architecture registry: maps config.json's `architectures` names and GGUF's
// `general.architecture` (ModelConfig's model_type) to the function that builds the model,
// a causal LM or an encoder.
// One table, written once in registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/causal_lm.h"
#include "models/encoder.h"
#include "models/load_options.h"

namespace hfserve::models {

// Builds the causal LM the config describes. Throws Error(kUnsupported) listing the
// supported architectures when there is no builder for it.
std::unique_ptr<CausalLM> build_causal_lm(const formats::ModelConfig& config,
                                          const formats::WeightSource& source,
                                          const LoadOptions& options = {});

// "LlamaForCausalLM", ... and "llama", ...: every name build_causal_lm accepts, sorted.
std::vector<std::string> supported_causal_lm_names();

// Whether the config describes a BERT-family encoder (model_type bert, roberta,
// xlm-roberta, distilbert), whatever its head.
bool is_encoder(const formats::ModelConfig& config);

// Builds the encoder with the head its architecture names ("BertModel": none,
// "BertForSequenceClassification", "XLMRobertaForMaskedLM", ...). Throws
// Error(kUnsupported) listing the supported architectures when there is none for it.
std::unique_ptr<EncoderModel> build_encoder(const formats::ModelConfig& config,
                                            const formats::WeightSource& source,
                                            const LoadOptions& options = {});

}  // namespace hfserve::models
