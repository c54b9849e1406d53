// The BERT family's shared model (models/bert_family.cc): embeddings, a stack of
// EncoderBlocks and the task heads, built from an EncoderLayout that names a checkpoint's
// weights. bert.cc, roberta.cc and distilbert.cc each state their layout; the registry
// calls the builders of models/encoders.h.
//
//   x = norm(word[id] + position[p] + token_type[type])     (no token types: DistilBERT)
//   x = block(x), num_hidden_layers times                   (layers/encoder_block.h)
//   sequence classification: classifier(act(pooler(x[first token of each sequence])))
//   token classification:    classifier(x)
//   masked LM:               decoder(norm(act(transform(x[lm_tokens])))) + bias
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/encoder.h"
#include "models/layers/activation.h"
#include "models/layers/encoder_block.h"
#include "models/load_options.h"

namespace hfserve::models {

// Where a checkpoint keeps each weight. Names are given without ".weight" / ".bias"; the
// base model's (embeddings, blocks, BERT's pooler) without the prefix, which the checkpoint
// has only when it carries a head ("bert.", found at load).
struct EncoderLayout {
  std::string prefix;  // "bert.", "roberta.", "distilbert."
  std::string word_embeddings, position_embeddings, embeddings_norm;
  std::string token_type_embeddings;  // empty: none
  // How positions are numbered: RoBERTa's after its padding id (transformers'
  // create_position_ids_from_input_ids), else from 0.
  bool positions_after_padding = false;
  std::function<EncoderBlockNames(std::size_t layer)> block;

  // kSequenceClassification: pooler (under the prefix when pooler_in_base) and act on the
  // first token, then classifier; kTokenClassification: classifier.
  std::string pooler;
  bool pooler_in_base = false;
  Activation pooler_act = Activation::kTanh;
  std::string classifier;
  // kMaskedLm: decoder(norm(act(transform(x)))) + bias; the decoder's weight is the word
  // embeddings when the checkpoint leaves it out (tied), and the bias is decoder's own or,
  // when absent, lm_bias (transformers ties the two).
  std::string lm_transform, lm_norm, lm_decoder, lm_bias;
  Activation lm_act = Activation::kGeluErf;
};

// BERT's names for the embeddings and the blocks (bert.cc), which RoBERTa and XLM-RoBERTa
// use unchanged under their own prefix.
void set_bert_base_names(EncoderLayout& layout);

// Builds the model over `source`'s weights (`source` must outlive it). Throws Error
// naming a missing or mis-shaped weight.
std::unique_ptr<EncoderModel> build_bert_family(const formats::ModelConfig& config,
                                                const formats::WeightSource& source,
                                                const LoadOptions& options, EncoderHead head,
                                                EncoderLayout layout);

}  // namespace hfserve::models
