// `hfserve serve MODEL`: loads a model and serves it over HTTP (src/server) until SIGINT
// or SIGTERM. The server listens first, so liveness answers while the model loads and
// readiness turns 200 once it can serve. A signal starts a graceful shutdown: readiness
// turns 503 and new requests are refused while those in flight get --shutdown_grace
// seconds to finish; what still runs then is ended, the task history is written out, and
// the process exits 0.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/model_runtime.h"
#include "app/subcommand.h"
#include "app/task_history_setup.h"
#include "app/version.h"
#include "pipelines/task.h"
#include "server/http_server.h"
#include "util/log.h"

namespace hfserve::app {
namespace {

struct ServeArgs {
  ModelArgs model;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<std::string> model_names;
  std::string task = "auto";
  bool return_probabilities = false;
  bool return_raw_logits = false;
  bool return_token_type_ids = false;
  bool return_offsets_mapping = false;
  bool disable_special_tokens = false;
  std::optional<std::string> api_key;
  std::vector<std::string> cors_origins;
  std::string max_body_bytes = "32MiB";
  bool disable_log_requests = false;
  TaskHistoryArgs task_history;
  double shutdown_grace = 25;  // seconds; Kubernetes sends SIGKILL 30 s after SIGTERM
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

// --task as given: nullopt for auto; generate and chat are text_generation's older names.
std::optional<pipelines::Task> requested_task(const std::string& name) {
  if (name == "auto") return std::nullopt;
  if (name == "generate" || name == "chat") return pipelines::Task::kTextGeneration;
  if (auto task = pipelines::parse_task(name)) return task;
  throw Error(ErrorCode::kInvalidArgument,
              "--task " + name + ": expected auto or one of " + pipelines::task_names());
}

// The task the loaded model serves, checked against what it can do.
pipelines::TaskSettings task_settings(const ServeArgs& args, const ModelRuntime& runtime) {
  std::optional<pipelines::Task> task = requested_task(args.task);
  pipelines::TaskSettings settings;
  if (runtime.seq2seq) {
    if (task && *task != pipelines::Task::kText2TextGeneration) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--task " + args.task + " does not fit this model: " + runtime.reference +
                      " is an encoder-decoder, which serves text2text_generation");
    }
    settings.task = pipelines::Task::kText2TextGeneration;
    return settings;
  }
  if (!runtime.encoder) {
    if (task && *task != pipelines::Task::kTextGeneration) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--task " + args.task + " does not fit this model: " + runtime.reference +
                      " is a causal LM, which serves text_generation");
    }
    settings.task = pipelines::Task::kTextGeneration;
    return settings;
  }
  const models::EncoderModel& model = *runtime.encoder->model;
  settings.task = task ? *task : pipelines::infer_task(model.config().architecture, true);
  pipelines::check_encoder_task(settings.task, model);
  settings.format = args.return_probabilities ? pipelines::ScoreFormat::kProbabilities
                    : args.return_raw_logits  ? pipelines::ScoreFormat::kRawLogits
                                              : pipelines::ScoreFormat::kIndex;
  settings.add_special_tokens = !args.disable_special_tokens;
  settings.offsets =
      args.return_offsets_mapping && settings.task == pipelines::Task::kTokenClassification;
  return settings;
}

int run_serve(const ServeArgs& args) {
  requested_task(args.task);  // a wrong name fails before anything loads
  // SIGINT and SIGTERM are taken by one thread (below), not by whichever thread they hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.served_names = args.model_names;
  if (options.served_names.empty()) {
    options.served_names.push_back(!args.model.model_dir.empty()  ? args.model.model_dir
                                   : !args.model.model_id.empty() ? args.model.model_id
                                                                  : args.model.model);
  }
  options.route_prefix = env_or("KSERVE_OPENAI_ROUTE_PREFIX", "openai");
  options.api_key = args.api_key;
  if (!options.api_key) {
    if (const char* key = std::getenv("HFSERVE_API_KEY")) options.api_key = key;
  }
  options.cors_origins = args.cors_origins;
  options.max_body_bytes = parse_bytes(args.max_body_bytes, "--max_body_bytes");
  options.log_requests = !args.disable_log_requests;
  options.version = kVersion;
  options.http_threads = std::max<std::size_t>(
      64, 2 * (args.model.max_concurrency ? args.model.max_concurrency : args.model.max_num_seqs));

  // Declared before the server, so it outlives it and writes what is queued at exit.
  std::unique_ptr<telemetry::TaskHistory> history = open_task_history(args.task_history);
  options.task_history = history.get();
  options.capture_requests = !args.disable_log_requests && args.task_history.capture == "all";
  server::HttpServer http(options);
  http.start();
  log::info("listening on http://{}:{} (OpenAI routes under /{}/v1 and /v1)", args.host,
            http.port(), options.route_prefix);

  std::unique_ptr<ModelRuntime> runtime;
  std::atomic<ModelRuntime*> serving{nullptr};
  std::atomic<bool> load_failed{false};  // then the signal thread just stops the server
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    if (load_failed) {
      http.stop();
      return;
    }
    const auto grace = std::chrono::milliseconds(static_cast<long>(args.shutdown_grace * 1000));
    log::info("signal {} received: shutting down; requests in flight have {} s to finish", received,
              args.shutdown_grace);
    std::size_t left = http.drain(grace);
    if (left > 0) {
      log::warn("{} requests still running after {} s: ending them", left, args.shutdown_grace);
      if (ModelRuntime* r = serving.load(); r && r->generator) {
        r->generator->engine().abort_all(
            Error(ErrorCode::kUnavailable, "the server shut down before the request finished"));
      }
      left = http.drain(std::chrono::seconds(5));
    }
    http.stop();
  });
  const auto load_start = std::chrono::system_clock::now();
  try {
    runtime = load_runtime(args.model);
  } catch (const std::exception& error) {
    record_model_load(history.get(), options.served_names.front(), load_start, nullptr,
                      error.what());
    load_failed = true;
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    throw;
  }
  pipelines::TaskSettings task;
  try {
    task = task_settings(args, *runtime);
  } catch (const std::exception&) {
    load_failed = true;
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    throw;
  }
  record_model_load(history.get(), runtime->reference, load_start, runtime.get(), "");
  log::info("task: {}", pipelines::task_name(task.task));
  if (runtime->text2text) {
    http.set_text2text(runtime->text2text.get());
  } else if (runtime->encoder_tasks) {
    http.set_encoder(runtime->encoder_tasks.get(), task);
  } else {
    http.set_generator(runtime->generator.get());
  }
  serving = runtime.get();
  log::info("ready: serving {} as {}", runtime->reference, options.served_names.front());
  http.wait();
  signal_thread.join();
  http.stop();
  return 0;
}

}  // namespace

Subcommand add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a model over the OpenAI and KServe APIs");
  add_model_options(cmd, args->model, kDemoModel);
  cmd->add_option("--host", args->host, "Address to listen on (containers: 0.0.0.0)")
      ->capture_default_str();
  cmd->add_option("--http_port,--port", args->port, "Port to listen on")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--model_name", args->model_names,
                  "Name(s) clients use in `model` (default: the reference)");
  cmd->add_option("--task", args->task,
                  "auto (from config.json's architectures) or " + pipelines::task_names())
      ->capture_default_str();
  // KServe's Hugging Face server flags for its encoder tasks (V1 predict, V2 infer).
  auto* probabilities = cmd->add_flag(
      "--return_probabilities", args->return_probabilities,
      "Classification and fill-mask: softmax probabilities (4 decimals) instead of the argmax");
  cmd->add_flag("--return_raw_logits", args->return_raw_logits,
                "Classification and fill-mask: the raw logits instead of the argmax")
      ->excludes(probabilities);
  cmd->add_flag("--return_offsets_mapping", args->return_offsets_mapping,
                "Token classification: each token's character offsets (output offset_mapping)");
  cmd->add_flag("--disable_special_tokens", args->disable_special_tokens,
                "KServe tasks: tokenize without the model's special tokens ([CLS], [SEP], ...)");
  // Accepted for KServe's command lines: its V1/V2 inputs are single texts, whose token
  // types are all 0 whether or not they are passed to the model.
  cmd->add_flag("--return_token_type_ids", args->return_token_type_ids,
                "Accepted for KServe compatibility (no effect: single texts have type 0)");
  cmd->add_option("--api_key", args->api_key,
                  "Require 'Authorization: Bearer KEY' on inference routes (or HFSERVE_API_KEY)");
  cmd->add_option("--cors_origins", args->cors_origins, "Origins allowed by CORS (* for any)");
  cmd->add_option("--max_body_bytes", args->max_body_bytes, "Largest request body")
      ->check(bytes_validator())
      ->capture_default_str();
  cmd->add_flag("--disable_log_requests", args->disable_log_requests,
                "Do not log each request, nor keep bodies in the task history");
  cmd->add_option("--shutdown_grace", args->shutdown_grace,
                  "Seconds requests in flight get to finish after SIGTERM/SIGINT")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  add_task_history_options(cmd, args->task_history);
  return {cmd, [args] { return run_serve(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
