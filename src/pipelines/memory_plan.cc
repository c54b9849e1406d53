#include "pipelines/memory_plan.h"

#include <algorithm>
#include <fstream>
#include <string>

#include "engine/kv_cache.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::pipelines {

std::optional<std::size_t> available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return std::nullopt;
}

std::size_t kv_cache_bytes(const MemoryOptions& options, const models::CausalLM& model,
                           std::size_t max_model_len, std::size_t max_num_seqs,
                           std::size_t block_size) {
  if (options.kv_cache_bytes) return *options.kv_cache_bytes;
  if (!(options.memory_utilization > 0 && options.memory_utilization <= 1)) {
    throw Error(ErrorCode::kInvalidArgument, "--memory_utilization must be in (0, 1]");
  }
  const std::size_t per_sequence = (max_model_len + block_size - 1) / block_size *
                                   engine::KvCache::block_bytes(model, block_size);
  const std::size_t useful = per_sequence * max_num_seqs;
  const std::optional<std::size_t> available = available_memory();
  if (!available) {
    log::warn("cannot read MemAvailable from /proc/meminfo; sizing the KV cache for {} sequences",
              max_num_seqs);
    return useful;
  }
  const auto share =
      static_cast<std::size_t>(static_cast<double>(*available) * options.memory_utilization);
  return std::min(useful, share);
}

}  // namespace hfserve::pipelines
