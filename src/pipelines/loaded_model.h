// LoadedModel: everything a served causal LM is made of, loaded once and immutable
// afterwards: the config, the memory-mapped weights, the built model, the tokenizer, the
// chat templates with the special tokens they see, and the ids that end a generation.
//
// load_causal_lm reads a pulled model (hub/pull.h): a GGUF file (weights, config,
// vocabulary and template all from its metadata) or a folder of config.json +
// safetensors + tokenizer.json (+ tokenizer_config.json / chat_template.jinja).
// Any thread may read a LoadedModel.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/model_template.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "hub/pull.h"
#include "models/causal_lm.h"
#include "models/load_options.h"
#include "tokenizer/tokenizer.h"

namespace hfserve::pipelines {

struct LoadedModel {
  std::string source;  // what was loaded, for logs: a file or folder
  formats::ModelConfig config;
  std::unique_ptr<formats::WeightSource> weights;
  std::unique_ptr<models::CausalLM> model;
  // Null only when the model carries no tokenizer and the load allowed that
  // (TokenizerNeed::kOptional): then token ids go in and come out, and no text.
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  // Empty when the model has no chat template (then chat requests are refused).
  chat::ModelTemplates templates;
  std::vector<std::int32_t> eos_ids;
};

// Whether a model without any tokenizer (a GGUF with no tokenizer.ggml.* metadata, a folder
// with no tokenizer.json) loads: `hfserve generate --prompt-ids` runs such a model on ids.
enum class TokenizerNeed { kRequired, kOptional };

// Throws Error: kNotFound when the files a model needs are missing (the message names
// them), kUnsupported for an architecture, format or tokenizer hfserve does not run,
// kInvalidArgument for malformed files. `options` as models::build_causal_lm takes them.
LoadedModel load_causal_lm(const hub::PulledModel& pulled, const models::LoadOptions& options = {},
                           TokenizerNeed tokenizer_need = TokenizerNeed::kRequired);

}  // namespace hfserve::pipelines
