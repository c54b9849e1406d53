#include "pipelines/model_runtime.h"

#include <filesystem>

namespace hfserve::pipelines {

std::size_t ModelRuntime::max_model_len() const {
  if (encoder_tasks) return encoder_tasks->max_model_len();
  if (text2text) return static_cast<std::size_t>(text2text->model().config.max_position_embeddings);
  return generator ? generator->engine().max_model_len() : 0;
}

std::size_t weight_file_bytes(const formats::WeightSource& weights) {
  std::size_t bytes = 0;
  for (const std::string& file : weights.files()) bytes += std::filesystem::file_size(file);
  return bytes;
}

}  // namespace hfserve::pipelines
