#include "engine/kv_cache.h"

#include <algorithm>

namespace hfserve::engine {

std::size_t KvCache::block_bytes(const models::CausalLM& model, std::size_t block_size) {
  return 2 * model.num_layers() * model.num_kv_heads() * block_size * model.head_dim() *
         sizeof(float);
}

KvCache::KvCache(const models::CausalLM& model, std::size_t num_blocks, std::size_t block_size)
    : num_blocks_(num_blocks), block_floats_(model.num_kv_heads() * block_size * model.head_dim()) {
  view_.block_size = block_size;
  storage_.resize(model.num_layers());
  for (std::vector<float>& layer : storage_) {
    layer.resize(2 * num_blocks * block_floats_);
    view_.layers.push_back({layer.data(), layer.data() + num_blocks * block_floats_});
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
