// The memory plan: how many bytes the paged KV cache gets. Either the user says
// (--kv_cache_memory), or it is a share (--memory_utilization) of the memory the system
// has available now (MemAvailable in /proc/meminfo), never more than max_num_seqs full
// sequences of max_model_len can use. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>

#include "models/causal_lm.h"

namespace hfserve::pipelines {

struct MemoryOptions {
  std::optional<std::size_t> kv_cache_bytes;
  double memory_utilization = 0.3;
};

// The KV cache size in bytes for `model`. Throws Error(kInvalidArgument) for a
// utilization outside (0, 1].
std::size_t kv_cache_bytes(const MemoryOptions& options, const models::CausalLM& model,
                           std::size_t max_model_len, std::size_t max_num_seqs,
                           std::size_t block_size);

// MemAvailable of /proc/meminfo in bytes; nullopt where it cannot be read.
std::optional<std::size_t> available_memory();

}  // namespace hfserve::pipelines
