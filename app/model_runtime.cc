#include "app/model_runtime.h"

#include <cctype>

#include "hub/pull.h"
#include "kernels/install.h"
#include "pipelines/memory_plan.h"
#include "tensor/quantize.h"
#include "util/error.h"
#include "util/heap_reuse.h"
#include "util/log.h"
#include "util/resident_memory.h"

namespace hfserve::app {

std::size_t parse_bytes(const std::string& text, const std::string& option) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  static const std::pair<const char*, std::size_t> kUnits[] = {{"", 1},
                                                               {"B", 1},
                                                               {"KB", 1000},
                                                               {"MB", 1000000},
                                                               {"GB", 1000000000},
                                                               {"KiB", 1u << 10},
                                                               {"MiB", 1u << 20},
                                                               {"GiB", std::size_t{1} << 30}};
  for (const auto& [name, scale] : kUnits) {
    if (digits > 0 && digits <= 15 && unit == name)
      return std::stoull(text.substr(0, digits)) * scale;
  }
  throw Error(
      ErrorCode::kInvalidArgument,
      option + " '" + text + "': expected bytes, optionally with KB, MB, GB, KiB, MiB or GiB");
}

CLI::Validator bytes_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          parse_bytes(text, "size");
          return "";
        } catch (const Error& error) {
          return error.message();
        }
      },
      "BYTES");
}

void add_model_options(CLI::App* cmd, ModelArgs& a, const std::string& default_model) {
  a.model = default_model;
  // main.cc reads the file once the command line is parsed (app/config_apply.h).
  cmd->add_option("--config",
                  "YAML file of option values (keys: these long option names); flags win")
      ->check(CLI::ExistingFile);
  cmd->add_option("model", a.model, "Hub reference, local folder or .gguf file")
      ->capture_default_str();
  cmd->add_option("--model_id", a.model_id, "The model reference (KServe's flag; overrides MODEL)");
  cmd->add_option("--model_dir", a.model_dir,
                  "A local model folder or .gguf file (KServe's storage mount; overrides MODEL)");
  cmd->add_option("--model_revision", a.model_revision, "Branch, tag or commit to load");
  cmd->add_option("--tokenizer_revision", a.tokenizer_revision,
                  "Must equal the model's revision (the tokenizer comes from the same snapshot)");
  cmd->add_option("--device", a.device,
                  "auto, cpu or cuda (auto: CUDA when built in and a GPU is seen)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  cmd->add_option("--dtype", a.dtype, "auto or float32 (activations are float32)")
      ->capture_default_str();
  cmd->add_option("--quantization,-q", a.quantization,
                  "Quantise float (F32/F16/BF16) linear weights at load: Q8_0, Q4_0 or Q4_K")
      ->check(CLI::IsMember({"Q8_0", "Q4_0", "Q4_K"}, CLI::ignore_case));
  cmd->add_option("--hf_token", a.hf_token, "Hugging Face token (else HF_TOKEN, ...)");
  cmd->add_flag("--offline", a.offline, "Use the local cache only (as HF_HUB_OFFLINE=1)");
  cmd->add_option("--max_model_len,--max_length", a.max_model_len,
                  "Context length (default: the model's); --max_length is KServe's name");
  cmd->add_option("--kv_cache_memory", a.kv_cache_memory,
                  "KV cache size, e.g. 2GiB (default: --memory_utilization of free memory)")
      ->check(bytes_validator());
  cmd->add_option("--memory_utilization", a.memory_utilization,
                  "Share of available memory the KV cache may take")
      ->capture_default_str();
  cmd->add_option("--max_num_seqs", a.max_num_seqs, "Sequences computed together")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--max_num_batched_tokens", a.max_num_batched_tokens,
                  "Tokens per forward pass (prefill chunk budget)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--max_concurrency", a.max_concurrency,
                  "Requests in flight (default: --max_num_seqs)");
  cmd->add_option("--max_queue", a.max_queue, "Requests waiting beyond that; more get 429")
      ->capture_default_str();
  cmd->add_option("--block_size", a.block_size, "Tokens per KV cache block")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--max_batch_tokens", a.max_batch_tokens,
                  "Encoder models: tokens per forward pass across requests")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  cmd->add_flag("--no_prefix_caching", a.no_prefix_caching, "Do not reuse cached prompt prefixes");
  cmd->add_flag("--disable_lower_case", a.disable_lower_case,
                "Encoder models: a BERT-family tokenizer does not lowercase (KServe's flag)");
  cmd->add_option("--threads,-t", a.threads, "Compute threads (default: one per hardware thread)");
}

void note_config(const AppliedConfig& config, ModelArgs& args) {
  if (auto origin = config.origins.find("hf_token"); origin != config.origins.end()) {
    args.hf_token_source = origin->second;
  }
}

namespace {

// Once a model is ready: the load's temporary buffers go back to the system, then the
// resident memory is logged beside the weight files' size (where weights run as stored the
// two should be about equal; KV cache pages are only counted once used).
void finish_load(const pipelines::ModelRuntime& runtime) {
  release_freed_memory();
  if (const std::optional<ResidentMemory> memory = resident_memory()) {
    constexpr double kMiB = 1 << 20;
    log::info(
        "{}: resident memory after load {:.1f} MiB (peak {:.1f} MiB), weight files {:.1f} MiB",
        runtime.reference, memory->bytes / kMiB, memory->peak_bytes / kMiB,
        runtime.weight_bytes / kMiB);
  }
}

}  // namespace

std::unique_ptr<pipelines::ModelRuntime> load_runtime(const ModelArgs& a) {
  if (a.dtype != "auto" && a.dtype != "float32") {
    throw Error(ErrorCode::kUnsupported,
                "--dtype " + a.dtype +
                    ": hfserve computes in float32 on the CPU and keeps weights as stored; use "
                    "auto, or quantise the weights with --quantization Q8_0 (or `hfserve "
                    "quantize`)");
  }
  std::string reference = !a.model_dir.empty()  ? a.model_dir
                          : !a.model_id.empty() ? a.model_id
                                                : a.model;
  hub::ModelRef ref = hub::parse_model_ref(reference);
  if (!a.model_revision.empty()) {
    if (ref.kind != hub::ModelRefKind::kHub) {
      throw Error(ErrorCode::kInvalidArgument, "--model_revision applies to Hub models only");
    }
    hub::check_revision(a.model_revision);
    ref.revision = a.model_revision;
    ref.revision_given = true;
  }
  if (!a.tokenizer_revision.empty() && a.tokenizer_revision != ref.revision) {
    throw Error(ErrorCode::kUnsupported,
                "--tokenizer_revision " + a.tokenizer_revision + " differs from the model's " +
                    ref.revision + ": hfserve loads the tokenizer from the model's snapshot");
  }
  hub::PullOptions pull;
  pull.token = a.hf_token;
  pull.token_source = a.hf_token_source;
  pull.offline = a.offline;
  const hub::EnvLookup env = hub::process_environment();
  const hub::PulledModel pulled =
      hub::pull_model(ref, hub::HubSettings::from_environment(env), pull, env);

  // This build has CPU kernels only; the choice and its reason are logged, as a CUDA
  // build will log its own.
  if (a.device == "cuda") {
    throw Error(ErrorCode::kUnsupported,
                "--device cuda: this build of hfserve has no CUDA kernels; use --device cpu "
                "(or auto)");
  }
  log::info("device: cpu ({})",
            a.device == "cpu" ? "--device cpu" : "auto: this build has no CUDA kernels");
  kernels::install();
  keep_freed_memory();
  auto runtime = std::make_unique<pipelines::ModelRuntime>();
  runtime->device = "cpu";
  runtime->reference = reference;
  runtime->pulled = pulled;
  models::LoadOptions load;
  if (!a.quantization.empty()) {
    load.quantization = tensor::quantize_target(a.quantization);
  }
  tokenizer::PretrainedOptions tokenizer_options;
  if (a.disable_lower_case) tokenizer_options.do_lower_case = false;
  if (pipelines::is_encoder_model(pulled)) {
    runtime->encoder = std::make_unique<pipelines::LoadedEncoder>(
        pipelines::load_encoder(pulled, load, a.max_model_len, tokenizer_options));
    engine::EncoderRunnerOptions runner;
    runner.max_batch_tokens = a.max_batch_tokens;
    runner.max_queue = a.max_queue;
    runner.num_threads = a.threads;
    runtime->weight_bytes = pipelines::weight_file_bytes(*runtime->encoder->weights);
    pipelines::check_memory_fits(
        {runtime->weight_bytes, 0,
         pipelines::working_bytes(runtime->encoder->config, a.max_batch_tokens, 0)},
        pipelines::available_memory(), reference);
    runtime->encoder_tasks = std::make_unique<pipelines::EncoderTasks>(*runtime->encoder, runner);
    finish_load(*runtime);
    return runtime;
  }
  if (pipelines::is_seq2seq_model(pulled)) {
    runtime->seq2seq =
        std::make_unique<pipelines::LoadedSeq2Seq>(pipelines::load_seq2seq(pulled, load));
    runtime->weight_bytes = pipelines::weight_file_bytes(*runtime->seq2seq->weights);
    runtime->text2text =
        std::make_unique<pipelines::Text2TextGenerator>(*runtime->seq2seq, a.threads);
    finish_load(*runtime);
    return runtime;
  }
  runtime->model = pipelines::load_causal_lm(pulled, load, a.tokenizer_need);

  engine::EngineOptions options;
  const std::size_t model_len =
      static_cast<std::size_t>(runtime->model.config.max_position_embeddings);
  if (a.max_model_len > model_len && model_len > 0) {
    throw Error(ErrorCode::kInvalidArgument, "--max_model_len " + std::to_string(a.max_model_len) +
                                                 " is longer than the model's " +
                                                 std::to_string(model_len) + " positions");
  }
  options.max_model_len = a.max_model_len ? a.max_model_len : model_len;
  options.block_size = a.block_size;
  options.max_num_seqs =
      a.max_concurrency ? std::min(a.max_num_seqs, a.max_concurrency) : a.max_num_seqs;
  options.max_num_batched_tokens = a.max_num_batched_tokens;
  options.max_queue = a.max_queue;
  options.prefix_caching = !a.no_prefix_caching;
  options.num_threads = a.threads;
  pipelines::MemoryOptions memory;
  memory.memory_utilization = a.memory_utilization;
  if (!a.kv_cache_memory.empty())
    memory.kv_cache_bytes = parse_bytes(a.kv_cache_memory, "--kv_cache_memory");
  std::size_t bytes =
      pipelines::kv_cache_bytes(memory, *runtime->model.model, options.max_model_len,
                                options.max_num_seqs, options.block_size);
  // Checked before the KV cache is allocated: a model that cannot fit fails here with the
  // numbers rather than being OOM-killed while serving.
  pipelines::MemoryNeeds needs;
  runtime->weight_bytes = pipelines::weight_file_bytes(*runtime->model.weights);
  needs.weights = runtime->weight_bytes;
  needs.working = pipelines::working_bytes(runtime->model.config, options.max_num_batched_tokens,
                                           options.max_num_seqs);
  const std::optional<std::size_t> available = pipelines::available_memory();
  if (!memory.kv_cache_bytes && available && *available > needs.weights + needs.working) {
    bytes = std::min(bytes, *available - needs.weights - needs.working);
  }
  needs.kv_cache = bytes;
  pipelines::check_memory_fits(needs, available, reference);
  options.num_blocks =
      engine::Engine::blocks_for_memory(*runtime->model.model, bytes, options.block_size);
  log::info("KV cache: {} blocks of {} tokens ({} MiB), max_model_len {}, max_num_seqs {}",
            options.num_blocks, options.block_size, bytes >> 20, options.max_model_len,
            options.max_num_seqs);
  runtime->generator = std::make_unique<pipelines::TextGenerator>(runtime->model, options);
  finish_load(*runtime);
  return runtime;
}

}  // namespace hfserve::app
