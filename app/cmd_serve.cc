// `hfserve serve MODEL`: loads a model and serves it over HTTP (src/server) until SIGINT
// or SIGTERM; with `--config` and a `models:` list, several models, each loaded at startup
// or on its first request (docs/configuration.md). The server listens first, so liveness
// answers while the models load and readiness turns 200 once those loaded at startup can
// serve. A signal starts a graceful shutdown: readiness turns 503 and new requests are
// refused while those in flight get --shutdown_grace seconds to finish; what still runs
// then is ended, the task history is written out, and the process exits 0.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <optional>
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

// One served model: where it comes from, its engine, its names and its task.
struct ServedArgs {
  ModelArgs model;
  std::vector<std::string> model_names;
  std::string task = "auto";
  bool return_probabilities = false;
  bool return_raw_logits = false;
  bool return_token_type_ids = false;
  std::string tensor_input_names;  // comma-separated, as KServe takes them
  bool return_offsets_mapping = false;
  bool disable_special_tokens = false;
  bool initial_load = true;
};

struct ServeArgs {
  ServedArgs served;               // the command's model, and the defaults of `models:`
  std::vector<ServedArgs> models;  // a config file's `models:`; empty: `served` alone
  std::string host = "127.0.0.1";
  int port = 8080;
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
pipelines::TaskSettings task_settings(const ServedArgs& args,
                                      const pipelines::ModelRuntime& runtime) {
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

std::string reference_of(const ModelArgs& model) {
  return !model.model_dir.empty()  ? model.model_dir
         : !model.model_id.empty() ? model.model_id
                                   : model.model;
}

// What the registry loads for one served model.
pipelines::ModelSpec model_spec(const ServedArgs& served) {
  pipelines::ModelSpec spec;
  spec.reference = reference_of(served.model);
  spec.names = served.model_names;
  if (spec.names.empty()) spec.names.push_back(spec.reference);
  spec.initial_load = served.initial_load;
  spec.load = [served, name = spec.names.front()](const std::string& revision) {
    ModelArgs model = served.model;
    if (!revision.empty()) model.model_revision = revision;
    std::unique_ptr<pipelines::ModelRuntime> runtime = load_runtime(model);
    runtime->task = task_settings(served, *runtime);
    log::info("task of {}: {}", name, pipelines::task_name(runtime->task.task));
    return runtime;
  };
  return spec;
}

// The requests still running at the end of the grace period are ended, on every engine
// (those a reload replaced included).
void abort_running(const pipelines::ModelRegistry& models) {
  for (const auto& runtime : models.running()) {
    if (runtime->generator) {
      runtime->generator->engine().abort_all(
          Error(ErrorCode::kUnavailable, "the server shut down before the request finished"));
    }
  }
}

int run_serve(const ServeArgs& args) {
  const std::vector<ServedArgs> served =
      args.models.empty() ? std::vector<ServedArgs>{args.served} : args.models;
  std::vector<pipelines::ModelSpec> specs;
  std::size_t http_threads = 0;
  for (const ServedArgs& model : served) {
    requested_task(model.task);  // a wrong name fails before anything loads
    specs.push_back(model_spec(model));
    http_threads +=
        2 * (model.model.max_concurrency ? model.model.max_concurrency : model.model.max_num_seqs);
  }
  // SIGINT and SIGTERM are taken by one thread (below), not by whichever thread they hit:
  // blocked before any other thread starts (the task history's writer is one).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Declared before the server, so it outlives it and writes what is queued at exit.
  std::unique_ptr<telemetry::TaskHistory> history = open_task_history(args.task_history);
  pipelines::ModelRegistry models(
      std::move(specs),
      [&history](const pipelines::ModelSpec& spec, std::chrono::system_clock::time_point start,
                 const pipelines::ModelRuntime* loaded, const std::string& error) {
        record_model_load(history.get(), spec.reference, start, loaded, error);
      });

  server::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.models = &models;
  options.route_prefix = env_or("KSERVE_OPENAI_ROUTE_PREFIX", "openai");
  options.api_key = args.api_key;
  if (!options.api_key) {
    if (const char* key = std::getenv("HFSERVE_API_KEY")) options.api_key = key;
  }
  options.cors_origins = args.cors_origins;
  options.max_body_bytes = parse_bytes(args.max_body_bytes, "--max_body_bytes");
  options.log_requests = !args.disable_log_requests;
  options.version = kVersion;
  options.http_threads = std::max<std::size_t>(64, http_threads);
  options.task_history = history.get();
  options.capture_requests = !args.disable_log_requests && args.task_history.capture == "all";
  server::HttpServer http(options);
  http.start();
  log::info("listening on http://{}:{} (OpenAI routes under /{}/v1 and /v1)", args.host,
            http.port(), options.route_prefix);

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
      abort_running(models);
      left = http.drain(std::chrono::seconds(5));
    }
    http.stop();
  });
  try {
    models.load_initial();
  } catch (const std::exception&) {
    load_failed = true;
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    throw;
  }
  for (std::size_t i = 0; i < models.size(); ++i) {
    const pipelines::ModelStatus status = models.status(i);
    if (status.runtime) {
      log::info("ready: serving {} as {}", status.runtime->reference, status.spec.names.front());
    } else {
      log::info("{} ({}) loads on its first request", status.spec.names.front(),
                status.spec.reference);
    }
  }
  http.wait();
  signal_thread.join();
  http.stop();
  return 0;
}

// The options of one served model, on `cmd` (the command, or a `models:` entry's own).
void add_served_options(CLI::App* cmd, ServedArgs& args, const std::string& default_model) {
  add_model_options(cmd, args.model, default_model);
  cmd->add_option("--model_name", args.model_names,
                  "Name(s) clients use in `model` (default: the reference)");
  cmd->add_option("--task", args.task,
                  "auto (from config.json's architectures) or " + pipelines::task_names())
      ->capture_default_str();
  // KServe's Hugging Face server flags for its encoder tasks (V1 predict, V2 infer).
  auto* probabilities = cmd->add_flag(
      "--return_probabilities", args.return_probabilities,
      "Classification and fill-mask: softmax probabilities (4 decimals) instead of the argmax");
  cmd->add_flag("--return_raw_logits", args.return_raw_logits,
                "Classification and fill-mask: the raw logits instead of the argmax")
      ->excludes(probabilities);
  cmd->add_flag("--return_offsets_mapping", args.return_offsets_mapping,
                "Token classification: each token's character offsets (output offset_mapping)");
  cmd->add_flag("--disable_special_tokens", args.disable_special_tokens,
                "KServe tasks: tokenize without the model's special tokens ([CLS], [SEP], ...)");
  // Accepted for KServe's command lines: its V1/V2 inputs are single texts, whose token
  // types are all 0 whether or not they are passed to the model.
  cmd->add_flag("--return_token_type_ids", args.return_token_type_ids,
                "Accepted for KServe compatibility (no effect: single texts have type 0)");
  // KServe sends tensors of these names to a remote predictor (--predictor_host, Triton);
  // running the model itself, as hfserve always does, KServe ignores them too.
  cmd->add_option("--tensor_input_names", args.tensor_input_names,
                  "Accepted for KServe compatibility (no effect: names the tensors KServe "
                  "sends to a remote predictor; hfserve runs the model itself)");
}

// The keys that name one model: with `models:`, each entry names its own.
constexpr const char* kOneModelKeys[] = {"model", "model_id", "model_dir", "model_name"};

// One entry of a config file's `models:`: the command's options (command line, then the
// file's top level) are its defaults; its own keys come next; what the command line set
// still wins.
ServedArgs served_from_entry(const ConfigFile& entry, const ServedArgs& defaults,
                             const AppliedConfig& config) {
  ServedArgs served = defaults;
  CLI::App app{"a model of models:", "models"};
  add_served_options(&app, served, "");
  app.add_flag("--initial_load", served.initial_load,
               "false: loaded on its first request, which waits for it");
  app.parse(std::vector<std::string>{});
  ApplyOptions options;
  options.aliases = {{"name", "model_name"}, {"from", "model"}};
  options.command_line = config.command_line;
  options.scope = "a model in models:";
  options.keys_hint =
      "a model takes name, from, initial_load and the model options of `hfserve serve --help`; "
      "server options (host, http_port, api_key, ...) go at the top of the file";
  const AppliedConfig applied = apply_config(entry, app, options);
  note_config(applied, served.model);
  if (reference_of(served.model).empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                entry.path + " line " + std::to_string(entry.line) +
                    ": this model has no `from:`; give the model reference to load");
  }
  return served;
}

// With `models:` in the file, the models are named there only.
void check_one_place(const AppliedConfig& config) {
  for (const char* key : kOneModelKeys) {
    const std::string name = key;
    const std::string models_line =
        config.models.front().path + " line " + std::to_string(config.models.front().line);
    if (config.command_line.count(name) > 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  (name == "model" ? "MODEL" : "--" + name) +
                      " on the command line, and a models: list in " + models_line +
                      ": name the models in one place (drop the flag, or the list)");
    }
    if (auto origin = config.origins.find(name); origin != config.origins.end()) {
      throw Error(ErrorCode::kInvalidArgument,
                  origin->second + " names one model, and the file has a models: list (" +
                      models_line + "): move it into an entry of models: (as `" +
                      (name == "model_name" ? "name"
                       : name == "model"    ? "from"
                                            : name) +
                      ":`)");
    }
  }
}

}  // namespace

Subcommand add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a model over the OpenAI and KServe APIs");
  add_served_options(cmd, args->served, kDemoModel);
  cmd->add_option("--host", args->host, "Address to listen on (containers: 0.0.0.0)")
      ->capture_default_str();
  cmd->add_option("--http_port,--port", args->port, "Port to listen on")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
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
  Subcommand command{cmd, [args] { return run_serve(*args); },
                     [args](const AppliedConfig& config) {
                       note_config(config, args->served.model);
                       if (config.models.empty()) return;
                       check_one_place(config);
                       for (const ConfigFile& entry : config.models) {
                         args->models.push_back(served_from_entry(entry, args->served, config));
                       }
                     }};
  command.takes_models = true;
  return command;
}

}  // namespace hfserve::app
