#include "pipelines/loaded_model.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "formats/gguf.h"
#include "models/registry.h"
#include "pipelines/gguf_chat_template.h"
#include "pipelines/gguf_tokenizer.h"
#include "pipelines/model_folder.h"
#include "tokenizer/pretrained.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::pipelines {
namespace {

namespace fs = std::filesystem;

LoadedModel load_gguf(const fs::path& path, TokenizerNeed tokenizer_need) {
  LoadedModel loaded;
  loaded.source = path.string();
  formats::GgufFile file(path.string());
  loaded.config = formats::model_config_from_gguf(file.header(), path.string());
  if (tokenizer_need == TokenizerNeed::kRequired ||
      file.header().find("tokenizer.ggml.model") != nullptr) {
    loaded.tokenizer = std::make_unique<tokenizer::Tokenizer>(tokenizer_from_gguf(file.header()));
  }
  loaded.templates = load_gguf_chat_templates(path, /*require_template=*/false);
  loaded.weights = formats::open_gguf_weights(path.string());
  return loaded;
}

LoadedModel load_folder(const fs::path& dir, TokenizerNeed tokenizer_need) {
  LoadedModel loaded;
  loaded.source = dir.string();
  loaded.config = formats::load_model_config(dir.string());
  // As transformers' AutoTokenizer builds it: tokenizer_config.json can add BOS/EOS and
  // special tokens, and the file's own truncation is not applied to prompts.
  if (tokenizer_need == TokenizerNeed::kRequired || fs::exists(dir / "tokenizer.json")) {
    loaded.tokenizer =
        std::make_unique<tokenizer::Tokenizer>(std::move(folder_tokenizer(dir).tokenizer));
  }
  loaded.templates = chat::load_model_templates(dir, /*require_template=*/false);
  loaded.weights = formats::open_safetensors(dir.string());
  return loaded;
}

}  // namespace

LoadedModel load_causal_lm(const hub::PulledModel& pulled, const models::LoadOptions& options,
                           TokenizerNeed tokenizer_need) {
  std::optional<fs::path> gguf = gguf_file(pulled);
  LoadedModel loaded =
      gguf ? load_gguf(*gguf, tokenizer_need) : load_folder(pulled.dir, tokenizer_need);
  loaded.model = models::build_causal_lm(loaded.config, *loaded.weights, options);
  for (std::int64_t id : loaded.config.eos_token_ids) {
    loaded.eos_ids.push_back(static_cast<std::int32_t>(id));
  }
  if (!loaded.tokenizer) {
    log::info("{} carries no tokenizer: token ids in, token ids out", loaded.source);
  } else if (loaded.model->vocab_size() < loaded.tokenizer->vocab_size()) {
    log::warn(
        "{}: the tokenizer has {} tokens but the model only {}; ids past the model's "
        "vocabulary are refused",
        loaded.source, loaded.tokenizer->vocab_size(), loaded.model->vocab_size());
  }
  log::info(
      "loaded {} ({}, {} layers, vocabulary {}, context {})", loaded.source,
      loaded.config.architecture.empty() ? loaded.config.model_type : loaded.config.architecture,
      loaded.config.num_hidden_layers, loaded.model->vocab_size(),
      loaded.config.max_position_embeddings);
  return loaded;
}

}  // namespace hfserve::pipelines
