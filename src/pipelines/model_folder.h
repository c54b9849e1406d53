// What every loader of a pulled model asks of its files, answered once: whether it is a
// GGUF (and which file), what its config.json says, and its tokenizer as transformers'
// AutoTokenizer builds it. The loaders (loaded_model, loaded_encoder, text2text) decide
// from these which kind of model a folder holds. Any thread may call them.
#pragma once

#include <filesystem>
#include <optional>

#include "formats/model_config.h"
#include "hub/pull.h"
#include "tokenizer/pretrained.h"

namespace hfserve::pipelines {

// The GGUF file among the pulled ones: the first part of a split file, or the only one.
std::optional<std::filesystem::path> gguf_file(const hub::PulledModel& pulled);

// config.json of a safetensors folder; nullopt for a GGUF, a folder without config.json or
// one whose config.json cannot be read (the causal-LM loader then says what is wrong).
std::optional<formats::ModelConfig> folder_config(const hub::PulledModel& pulled);

// The folder's tokenizer.json with tokenizer_config.json (and `options`) applied. Throws
// Error(kNotFound) saying how to make tokenizer.json when it is missing.
tokenizer::PretrainedTokenizer folder_tokenizer(const std::filesystem::path& dir,
                                                const tokenizer::PretrainedOptions& options = {});

}  // namespace hfserve::pipelines
