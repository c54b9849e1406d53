#include "pipelines/loaded_encoder.h"

#include <algorithm>
#include <filesystem>

#include "models/registry.h"
#include "tokenizer/pretrained.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::pipelines {
namespace {

namespace fs = std::filesystem;

bool has_gguf(const hub::PulledModel& pulled) {
  return std::any_of(pulled.files.begin(), pulled.files.end(),
                     [](const std::string& f) { return fs::path(f).extension() == ".gguf"; });
}

}  // namespace

bool is_encoder_model(const hub::PulledModel& pulled) {
  if (has_gguf(pulled) || !fs::exists(pulled.dir / "config.json")) return false;
  try {
    return models::is_encoder(formats::load_model_config(pulled.dir.string()));
  } catch (const Error&) {
    return false;  // load_causal_lm reports what is wrong with the folder
  }
}

LoadedEncoder load_encoder(const hub::PulledModel& pulled, const models::LoadOptions& options,
                           std::size_t max_model_len) {
  const fs::path& dir = pulled.dir;
  if (has_gguf(pulled)) {
    throw Error(ErrorCode::kUnsupported,
                dir.string() + ": encoder models load from safetensors folders, not GGUF");
  }
  LoadedEncoder loaded;
  loaded.source = dir.string();
  loaded.config = formats::load_model_config(dir.string());
  if (!fs::exists(dir / "tokenizer.json")) {
    throw Error(ErrorCode::kNotFound,
                dir.string() +
                    " has no tokenizer.json: hfserve needs the fast tokenizer file (convert a "
                    "slow tokenizer with transformers' AutoTokenizer.save_pretrained)");
  }
  loaded.tokenizer = std::make_unique<tokenizer::Tokenizer>(
      std::move(tokenizer::load_pretrained_tokenizer(dir).tokenizer));
  loaded.sentence_transformers = formats::load_sentence_transformers_config(dir.string());
  loaded.weights = formats::open_safetensors(dir.string());
  loaded.model = models::build_encoder(loaded.config, *loaded.weights, options);

  std::size_t len = loaded.model->max_tokens();
  if (loaded.sentence_transformers.max_seq_length) {
    len = std::min(len, *loaded.sentence_transformers.max_seq_length);
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
