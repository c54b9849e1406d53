#include "pipelines/memory_plan.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "engine/kv_cache.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::pipelines {

namespace {

// A number in a cgroup file ("max" or a missing file: nullopt).
std::optional<std::size_t> read_cgroup_number(const char* path) {
  std::ifstream file(path);
  std::string text;
  if (!(file >> text) || text == "max") return std::nullopt;
  try {
    return static_cast<std::size_t>(std::stoull(text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string gib(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1u << 30));
  return text;
}

}  // namespace

std::optional<std::size_t> available_memory() {
  std::optional<std::size_t> available;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") {
      available = kib * 1024;
      break;
    }
  }
  // A container's limit, which the OOM killer enforces whatever MemAvailable says (v1
  // reports "no limit" as a huge number, larger than any MemAvailable).
  std::optional<std::size_t> limit = read_cgroup_number("/sys/fs/cgroup/memory.max");
  std::optional<std::size_t> used = read_cgroup_number("/sys/fs/cgroup/memory.current");
  if (!limit) {
    limit = read_cgroup_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = read_cgroup_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  }
  if (limit) {
    const std::size_t headroom = *limit > used.value_or(0) ? *limit - used.value_or(0) : 0;
    available = available ? std::min(*available, headroom) : headroom;
  }
  return available;
}

std::size_t working_bytes(const formats::ModelConfig& c, std::size_t max_tokens,
                          std::size_t max_sequences) {
  const auto hidden = static_cast<std::size_t>(c.hidden_size);
  const auto heads = static_cast<std::size_t>(c.num_attention_heads);
  const auto kv_heads = static_cast<std::size_t>(c.num_key_value_heads);
  const auto head_dim = static_cast<std::size_t>(c.head_dim);
  const auto ffn = static_cast<std::size_t>(c.intermediate_size);
  // Per token: the residual and normed states, q, k, v, the attention output and the
  // two FFN halves (what llama.cc keeps at once); then the logits of each sequence.
  const std::size_t per_token =
      2 * hidden + 2 * heads * head_dim + 2 * kv_heads * head_dim + 2 * ffn;
  return (max_tokens * per_token + max_sequences * static_cast<std::size_t>(c.vocab_size)) *
         sizeof(float);
}

void check_memory_fits(const MemoryNeeds& needs, std::optional<std::size_t> available,
                       const std::string& model) {
  if (!available || needs.total() <= *available) return;
  throw Error(ErrorCode::kResourceExhausted,
              model + " needs " + gib(needs.total()) + " (weights " + gib(needs.weights) +
                  ", KV cache " + gib(needs.kv_cache) + ", working memory " + gib(needs.working) +
                  ") but only " + gib(*available) +
                  " are available: use a smaller quantisation (--quantization Q4_0, or a Q4 "
                  "GGUF of the model), a lower --max_model_len or --kv_cache_memory, or a "
                  "machine with more memory");
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
