#include "pipelines/loaded_encoder.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "models/registry.h"
#include "pipelines/model_folder.h"
#include "tokenizer/pretrained.h"
#include "util/error.h"
#include "util/file_text.h"
#include "util/log.h"

namespace hfserve::pipelines {
namespace {

namespace fs = std::filesystem;

// tokenizer_config.json's mask_token: a string, or an AddedToken object's "content".
std::optional<std::uint32_t> find_mask_token(const fs::path& dir,
                                             const tokenizer::Tokenizer& tokenizer) {
  std::vector<std::string> names;
  if (fs::exists(dir / "tokenizer_config.json")) {
    const nlohmann::json config =
        nlohmann::json::parse(read_file_text(dir / "tokenizer_config.json"), nullptr, false);
    if (config.is_object() && config.contains("mask_token")) {
      const nlohmann::json& mask = config["mask_token"];
      if (mask.is_string()) names.push_back(mask.get<std::string>());
      if (mask.is_object() && mask.contains("content") && mask["content"].is_string()) {
        names.push_back(mask["content"].get<std::string>());
      }
    }
  }
  if (names.empty()) names = {"[MASK]", "<mask>"};
  for (const std::string& name : names) {
    if (auto id = tokenizer.token_to_id(name)) return id;
  }
  return std::nullopt;
}

}  // namespace

bool is_encoder_model(const hub::PulledModel& pulled) {
  const std::optional<formats::ModelConfig> config = folder_config(pulled);
  return config && models::is_encoder(*config);
}

LoadedEncoder load_encoder(const hub::PulledModel& pulled, const models::LoadOptions& options,
                           std::size_t max_model_len,
                           const tokenizer::PretrainedOptions& tokenizer) {
  const fs::path& dir = pulled.dir;
  if (gguf_file(pulled)) {
    throw Error(ErrorCode::kUnsupported,
                dir.string() + ": encoder models load from safetensors folders, not GGUF");
  }
  LoadedEncoder loaded;
  loaded.source = dir.string();
  loaded.config = formats::load_model_config(dir.string());
  tokenizer::PretrainedTokenizer pretrained = folder_tokenizer(dir, tokenizer);
  loaded.tokenizer_config = std::move(pretrained.config);
  loaded.tokenizer = std::make_unique<tokenizer::Tokenizer>(std::move(pretrained.tokenizer));
  loaded.mask_token_id = find_mask_token(dir, *loaded.tokenizer);
  loaded.sentence_transformers = formats::load_sentence_transformers_config(dir.string());
  loaded.weights = formats::open_safetensors(dir.string());
  loaded.model = models::build_encoder(loaded.config, *loaded.weights, options);

  // The length sentence-transformers cuts to: its max_seq_length, else the smaller of the
  // model's positions and the tokenizer's model_max_length (which KServe's Hugging Face
  // runtime also truncates to).
  std::size_t len = loaded.model->max_tokens();
  if (loaded.sentence_transformers.max_seq_length) {
    len = std::min(len, *loaded.sentence_transformers.max_seq_length);
  } else if (loaded.tokenizer_config.model_max_length) {
    len = std::min(len, *loaded.tokenizer_config.model_max_length);
  }
  if (max_model_len > len) {
    throw Error(ErrorCode::kInvalidArgument, "--max_model_len " + std::to_string(max_model_len) +
                                                 " is longer than the " + std::to_string(len) +
                                                 " tokens this model takes");
  }
  loaded.max_model_len = max_model_len ? max_model_len : len;
  log::info("loaded {} ({}, {} layers, hidden {}, max_model_len {})", loaded.source,
            loaded.config.architecture, loaded.config.num_hidden_layers, loaded.config.hidden_size,
            loaded.max_model_len);
  return loaded;
}

}  // namespace hfserve::pipelines
