#include "pipelines/model_folder.h"

#include <algorithm>
#include <string>
#include <vector>

#include "util/error.h"

namespace hfserve::pipelines {

namespace fs = std::filesystem;

std::optional<fs::path> gguf_file(const hub::PulledModel& pulled) {
  std::vector<std::string> ggufs;
  for (const std::string& file : pulled.files) {
    if (fs::path(file).extension() == ".gguf") ggufs.push_back(file);
  }
  if (ggufs.empty()) return std::nullopt;
  std::sort(ggufs.begin(), ggufs.end());
  return pulled.dir / ggufs.front();
}

std::optional<formats::ModelConfig> folder_config(const hub::PulledModel& pulled) {
  if (gguf_file(pulled) || !fs::exists(pulled.dir / "config.json")) return std::nullopt;
  try {
    return formats::load_model_config(pulled.dir.string());
  } catch (const Error&) {
    return std::nullopt;
  }
}

tokenizer::PretrainedTokenizer folder_tokenizer(const fs::path& dir,
                                                const tokenizer::PretrainedOptions& options) {
  if (!fs::exists(dir / "tokenizer.json")) {
    throw Error(ErrorCode::kNotFound,
                dir.string() +
                    " has no tokenizer.json: hfserve needs the fast tokenizer file (convert a "
                    "slow tokenizer with transformers' AutoTokenizer.save_pretrained)");
  }
  return tokenizer::load_pretrained_tokenizer(dir, options);
}

}  // namespace hfserve::pipelines
