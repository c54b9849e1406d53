// The BERT-family encoders, one builder per checkpoint layout (bert.cc, roberta.cc,
// distilbert.cc over the shared bert_family.cc). Registered in models/registry.cc.
#pragma once

#include <memory>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/encoder.h"
#include "models/load_options.h"

namespace hfserve::models {

// Each builds the model with `head` over `source`'s weights; `source` must outlive it.
// Throws Error naming a missing or mis-shaped weight.
std::unique_ptr<EncoderModel> build_bert(const formats::ModelConfig& config,
                                         const formats::WeightSource& source,
                                         const LoadOptions& options, EncoderHead head);
// RoBERTa and XLM-RoBERTa (the same network; XLM-R's vocabulary is larger).
std::unique_ptr<EncoderModel> build_roberta(const formats::ModelConfig& config,
                                            const formats::WeightSource& source,
                                            const LoadOptions& options, EncoderHead head);
std::unique_ptr<EncoderModel> build_distilbert(const formats::ModelConfig& config,
                                               const formats::WeightSource& source,
                                               const LoadOptions& options, EncoderHead head);

}  // namespace hfserve::models
