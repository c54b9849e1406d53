// What the causal LM tests share: a model with its own paged KV cache, run greedily or
// for one chunk's logits without the engine, so a test sees the model alone.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/registry.h"
#include "util/thread_pool.h"

namespace hfserve::models {

// A model with its own KV cache big enough for `sequences` full contexts.
struct Runner {
  Runner(std::unique_ptr<formats::WeightSource> weights, formats::ModelConfig config,
         std::size_t sequences, const LoadOptions& options = {})
      : source(std::move(weights)), model(build_causal_lm(config, *source, options)), pool(2) {
    const std::size_t blocks_per_sequence =
        (static_cast<std::size_t>(config.max_position_embeddings) + kBlock - 1) / kBlock;
    const std::size_t floats =
        sequences * blocks_per_sequence * model->num_kv_heads() * kBlock * model->head_dim();
    view.block_size = kBlock;
    for (std::size_t l = 0; l < model->num_layers(); ++l) {
      storage.emplace_back(2 * floats);
      view.layers.push_back({storage.back().data(), storage.back().data() + floats});
    }
    // Sequence s owns blocks s, s + sequences, ...: interleaved, so a wrong table shows.
    tables.resize(sequences);
    for (std::size_t s = 0; s < sequences; ++s) {
      for (std::size_t b = 0; b < blocks_per_sequence; ++b) {
        tables[s].push_back(static_cast<std::int32_t>(b * sequences + s));
      }
    }
  }

  static std::int32_t argmax(const float* logits, std::size_t n) {
    return static_cast<std::int32_t>(std::max_element(logits, logits + n) - logits);
  }

  // Greedy continuation of `prompt` on sequence slot `s`, the prompt in one chunk.
  std::vector<std::int32_t> greedy(const std::vector<std::int32_t>& prompt, std::size_t steps,
                                   std::size_t s = 0) {
    std::vector<std::int32_t> out;
    std::vector<float> logits;
    std::vector<std::int32_t> tokens = prompt;
    std::size_t position = 0;
    for (std::size_t i = 0; i < steps; ++i) {
      SequenceChunk chunk{0, tokens.size(), position, tables[s].data(), true};
      model->forward({tokens, {&chunk, 1}}, view, pool, logits);
      position += tokens.size();
      std::int32_t next = argmax(logits.data(), model->vocab_size());
      out.push_back(next);
      tokens = {next};
    }
    return out;
  }

  // The logits after `prompt` run as one chunk from position 0 of slot 0.
  std::vector<float> logits(const std::vector<std::int32_t>& prompt) {
    std::vector<float> out;
    SequenceChunk chunk{0, prompt.size(), 0, tables[0].data(), true};
    model->forward({prompt, {&chunk, 1}}, view, pool, out);
    return out;
  }

  static constexpr std::size_t kBlock = 16;
  std::unique_ptr<formats::WeightSource> source;
  std::unique_ptr<CausalLM> model;
  ThreadPool pool;
  std::vector<std::vector<float>> storage;
  KvCacheView view;
  std::vector<std::vector<std::int32_t>> tables;
};

}  // namespace hfserve::models
