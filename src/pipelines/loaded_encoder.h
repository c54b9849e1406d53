// LoadedEncoder: everything a served encoder model (embeddings, rerank, classification)
// is made of, loaded once and immutable afterwards: the config, the memory-mapped
// weights, the built model with its head, the tokenizer and the sentence-transformers
// modules (pooling, normalisation, longest input).
//
// load_encoder reads a pulled folder of config.json + safetensors + tokenizer.json
// (+ tokenizer_config.json, modules.json, 1_Pooling/config.json,
// sentence_bert_config.json). Any thread may read a LoadedEncoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "formats/model_config.h"
#include "formats/sentence_transformers.h"
#include "formats/weight_source.h"
#include "hub/pull.h"
#include "models/encoder.h"
#include "models/load_options.h"
#include "tokenizer/pretrained.h"
#include "tokenizer/tokenizer.h"

namespace hfserve::pipelines {

struct LoadedEncoder {
  std::string source;  // the folder, for logs
  formats::ModelConfig config;
  std::unique_ptr<formats::WeightSource> weights;
  std::unique_ptr<models::EncoderModel> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  tokenizer::TokenizerConfig tokenizer_config;  // decode's clean-up (fill-mask answers)
  // tokenizer_config.json's mask_token (else [MASK] or <mask>, the BERT and RoBERTa
  // classes' defaults) when the vocabulary has it: what fill-mask looks for.
  std::optional<std::uint32_t> mask_token_id;
  formats::SentenceTransformersConfig sentence_transformers;
  // Tokens per input, special tokens included: the model's positions, cut to
  // sentence_bert_config.json's max_seq_length where it says less (as vLLM does).
  std::size_t max_model_len = 0;
};

// Whether the pulled model is an encoder (its config.json names a BERT-family model).
bool is_encoder_model(const hub::PulledModel& pulled);

// Throws Error: kNotFound for missing files (naming them), kUnsupported for a GGUF file or
// a module hfserve does not run, kInvalidArgument for malformed files. `max_model_len`
// (0: the default above) may only shorten what the model takes; `tokenizer` is passed to
// the tokenizer as from_pretrained's arguments (KServe's do_lower_case).
LoadedEncoder load_encoder(const hub::PulledModel& pulled, const models::LoadOptions& options = {},
                           std::size_t max_model_len = 0,
                           const tokenizer::PretrainedOptions& tokenizer = {});

}  // namespace hfserve::pipelines
