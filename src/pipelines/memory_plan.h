// The memory plan: how many bytes the paged KV cache gets, and whether the whole model
// fits before anything large is allocated. The KV cache size is either the user's
// (--kv_cache_memory) or a share (--memory_utilization) of the memory available now,
// never more than max_num_seqs full sequences of max_model_len can use. Available memory
// is MemAvailable of /proc/meminfo, or less when the process's cgroup (a container's
// memory limit) leaves less. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "formats/model_config.h"

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

// The memory this process may still take, in bytes: MemAvailable, capped by the cgroup's
// memory.max minus memory.current (v2; v1's limit_in_bytes and usage_in_bytes) where a
// limit is set; nullopt where nothing can be read.
std::optional<std::size_t> available_memory();

// What a loaded model will hold while it serves.
struct MemoryNeeds {
  std::size_t weights = 0;   // the weight files (memory-mapped, so resident when used)
  std::size_t kv_cache = 0;  // the KV cache the plan chose
  std::size_t working = 0;   // activations and logits of the largest forward pass
  std::size_t total() const { return weights + kv_cache + working; }
};

// Activations and logits of one forward pass of `max_tokens` tokens and `max_sequences`
// sequences asking for logits (an estimate from the model's sizes).
std::size_t working_bytes(const formats::ModelConfig& config, std::size_t max_tokens,
                          std::size_t max_sequences);

// Throws Error(kResourceExhausted) when `needs` exceed `available`, with both numbers, the
// parts, and the ways out (a smaller quantisation, a lower --max_model_len or
// --kv_cache_memory); nothing when they fit or `available` is unknown.
void check_memory_fits(const MemoryNeeds& needs, std::optional<std::size_t> available,
                       const std::string& model);

}  // namespace hfserve::pipelines
