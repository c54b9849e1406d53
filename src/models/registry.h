// The architecture registry: maps config.json's `architectures` names and GGUF's
// `general.architecture` (ModelConfig's model_type) to the function that builds the model,
// a causal LM, an encoder or an encoder-decoder (seq2seq).
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
#include "models/seq2seq.h"

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

// Whether the config describes an encoder-decoder model (model_type t5).
bool is_seq2seq(const formats::ModelConfig& config);

// Builds the encoder-decoder with its LM head ("T5ForConditionalGeneration", or a config
// without architectures). Throws Error(kUnsupported) for any other T5 head
// (T5EncoderModel, T5ForSequenceClassification, ...).
std::unique_ptr<Seq2SeqModel> build_seq2seq(const formats::ModelConfig& config,
                                            const formats::WeightSource& source,
                                            const LoadOptions& options = {});

}  // namespace hfserve::models
