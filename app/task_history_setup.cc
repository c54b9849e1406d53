#include "app/task_history_setup.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "util/error.h"
#include "util/log.h"

namespace hfserve::app {

void add_task_history_options(CLI::App* cmd, TaskHistoryArgs& args) {
  cmd->add_option("--task_history", args.path,
                  "SQLite file of the task history, or off (default: "
                  "~/.cache/hfserve/task_history.db)");
  cmd->add_option("--task_history_capture", args.capture,
                  "all: request bodies and generated text in the history; none: only metadata")
      ->check(CLI::IsMember({"all", "none"}))
      ->capture_default_str();
}

std::unique_ptr<telemetry::TaskHistory> open_task_history(const TaskHistoryArgs& args) {
  if (args.path == "off") return nullptr;
  telemetry::TaskHistoryOptions options;
  options.path = args.path;
  if (options.path.empty()) {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    const std::filesystem::path cache =
        xdg && *xdg ? std::filesystem::path(xdg)
                    : std::filesystem::path(home && *home ? home : "/") / ".cache";
    options.path = (cache / "hfserve" / "task_history.db").string();
  }
  try {
    auto history = std::make_unique<telemetry::TaskHistory>(options);
    log::info("task history: {}", history->path());
    return history;
  } catch (const Error& error) {
    log::warn("running without a task history: {} (--task_history PATH or off)", error.message());
    return nullptr;
  }
}

void record_model_load(telemetry::TaskHistory* history, const std::string& reference,
                       std::chrono::system_clock::time_point start,
                       const pipelines::ModelRuntime* runtime, const std::string& error) {
  if (!history) return;
  telemetry::Span span = telemetry::start_span(telemetry::kTaskModelLoad);
  span.start_time = start;
  span.end_time = std::chrono::system_clock::now();
  span.input = reference;
  span.labels = {{"model", reference}, {"device", runtime ? runtime->device : "cpu"}};
  if (runtime) {
    span.labels["source"] = runtime->source();
    span.labels["revision"] = runtime->pulled.revision;
    span.labels["commit"] = runtime->pulled.commit;
    span.labels["bytes"] = runtime->weight_bytes;
    span.labels["status"] = "ok";
  } else {
    span.labels["status"] = "error";
    span.error_message = error;
  }
  history->record(std::move(span));
}

}  // namespace hfserve::app
