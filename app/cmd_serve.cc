// `hfserve serve MODEL`: loads a model and serves it over HTTP (src/server) until SIGINT
// or SIGTERM. The server listens first, so liveness answers while the model loads and
// readiness turns 200 once it can serve.
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
  std::optional<std::string> api_key;
  std::vector<std::string> cors_origins;
  std::string max_body_bytes = "32MiB";
  bool disable_log_requests = false;
  TaskHistoryArgs task_history;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

int run_serve(const ServeArgs& args) {
  if (args.task != "auto" && args.task != "generate" && args.task != "text_generation" &&
      args.task != "chat") {
    throw Error(ErrorCode::kUnsupported, "--task " + args.task +
                                             ": this build serves text generation (auto, "
                                             "generate, text_generation, chat)");
  }
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

  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    log::info("signal {} received: shutting down", received);
    http.stop();
  });
  std::unique_ptr<ModelRuntime> runtime;
  const auto load_start = std::chrono::system_clock::now();
  try {
    runtime = load_runtime(args.model);
  } catch (const std::exception& error) {
    record_model_load(history.get(), options.served_names.front(), load_start, nullptr,
                      error.what());
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    throw;
  }
  record_model_load(history.get(), runtime->reference, load_start, runtime.get(), "");
  if (runtime->encoder_tasks) {
    http.set_encoder(runtime->encoder_tasks.get());
  } else {
    http.set_generator(runtime->generator.get());
  }
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
  cmd->add_option("--task", args->task, "auto, generate, text_generation or chat")
      ->capture_default_str();
  cmd->add_option("--api_key", args->api_key,
                  "Require 'Authorization: Bearer KEY' on inference routes (or HFSERVE_API_KEY)");
  cmd->add_option("--cors_origins", args->cors_origins, "Origins allowed by CORS (* for any)");
  cmd->add_option("--max_body_bytes", args->max_body_bytes, "Largest request body")
      ->check(bytes_validator())
      ->capture_default_str();
  cmd->add_flag("--disable_log_requests", args->disable_log_requests,
                "Do not log each request, nor keep bodies in the task history");
  add_task_history_options(cmd, args->task_history);
  return {cmd, [args] { return run_serve(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
