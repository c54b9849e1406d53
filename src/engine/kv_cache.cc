#include "engine/kv_cache.h"

#include <algorithm>
#include <string>

#include "util/error.h"

namespace hfserve::engine {

std::size_t KvCache::block_bytes(const models::CausalLM& model, std::size_t block_size) {
  return 2 * model.num_layers() * model.num_kv_heads() * block_size * model.head_dim() *
         sizeof(float);
}

KvCache::KvCache(const models::CausalLM& model, std::size_t num_blocks, std::size_t block_size)
    : num_blocks_(num_blocks), block_floats_(model.num_kv_heads() * block_size * model.head_dim()) {
  view_.block_size = block_size;
  for (std::size_t l = 0; l < model.num_layers(); ++l) {
    auto* layer = static_cast<float*>(std::calloc(2 * num_blocks * block_floats_, sizeof(float)));
    if (!layer) {
      throw Error(ErrorCode::kResourceExhausted,
                  "cannot allocate the KV cache (" +
                      std::to_string(num_blocks * block_bytes(model, block_size) >> 20) +
                      " MiB): lower --kv_cache_memory or --memory_utilization");
    }
    storage_.emplace_back(layer);
    view_.layers.push_back({layer, layer + num_blocks * block_floats_});
  }
}

void KvCache::copy(const BlockCopy& copy) {
  const auto from = static_cast<std::size_t>(copy.from) * block_floats_;
  const auto to = static_cast<std::size_t>(copy.to) * block_floats_;
  for (const models::LayerKv& layer : view_.layers) {
    std::copy_n(layer.k + from, block_floats_, layer.k + to);
    std::copy_n(layer.v + from, block_floats_, layer.v + to);
  }
}

}  // namespace hfserve::engine
