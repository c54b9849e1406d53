// The task history of `hfserve serve`: its flags, opening the SQLite file, and the
// `model_load` span (docs/task-history.md).
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "app/model_runtime.h"
#include "telemetry/task_history.h"

namespace hfserve::app {

struct TaskHistoryArgs {
  std::string path;             // "": the default file; "off": none
  std::string capture = "all";  // "all" or "none": request bodies and outputs in spans
};

void add_task_history_options(CLI::App* cmd, TaskHistoryArgs& args);

// Opens the history file ($XDG_CACHE_HOME or ~/.cache, then hfserve/task_history.db, unless
// --task_history names one). Null when it is off, or when the file cannot be opened: the
// server then runs without history and the log says why.
std::unique_ptr<telemetry::TaskHistory> open_task_history(const TaskHistoryArgs& args);

// Records the `model_load` span of a load that began at `start`: the reference, revision,
// commit, weight bytes, duration and device, or the error when `runtime` is null.
void record_model_load(telemetry::TaskHistory* history, const std::string& reference,
                       std::chrono::system_clock::time_point start,
                       const pipelines::ModelRuntime* runtime, const std::string& error);

}  // namespace hfserve::app
