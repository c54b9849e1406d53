// ModelRegistry: the models one server process serves, found by the names clients send as
// `model` (several models per process, loaded at startup or on first use, reloaded in
// place). A request holds the runtime it was handed (a shared_ptr): a reload switches new
// requests to the new weights at once, while requests in flight finish on the old ones,
// which are freed when the last of them ends. docs/configuration.md describes the
// behaviour operators see.
//
// Thread-safe: any thread may call any method.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipelines/model_runtime.h"

namespace hfserve::pipelines {

struct ModelSpec {
  std::vector<std::string> names;  // what clients send as `model`; the first is its name
  std::string reference;           // what it loads from, shown before it has loaded
  bool initial_load = true;        // false: loaded by the first request that names it
  // Loads and starts the model at `revision` ("" for the configured one). Throws Error
  // saying what to fix.
  std::function<std::unique_ptr<ModelRuntime>(const std::string& revision)> load;
};

enum class ModelState {
  kUnloaded,  // initial_load false and not asked for yet (or its last load failed)
  kLoading,
  kReady,
  kFailed,  // the last load failed and nothing is loaded; the next request tries again
};
std::string_view model_state_name(ModelState state);

// One model as GET /admin/models shows it.
struct ModelStatus {
  ModelSpec spec;  // load() left empty
  ModelState state = ModelState::kUnloaded;
  bool reloading = false;    // a reload is loading beside the served one
  std::size_t draining = 0;  // loads replaced by a reload that requests in flight still use
  std::shared_ptr<const ModelRuntime> runtime;  // what serves now; null unless kReady
  std::string revision;                         // the revision asked for ("": configured)
  std::string error;                            // the last failed load's, else ""
  double load_seconds = 0;                      // of the load that serves now
  std::chrono::system_clock::time_point loaded_at;
};

// Told the outcome of every load (startup, first use, reload): the runtime, or null and
// the error. For the task history's model_load spans and the log.
using LoadObserver =
    std::function<void(const ModelSpec& spec, std::chrono::system_clock::time_point start,
                       const ModelRuntime* loaded, const std::string& error)>;

class ModelRegistry {
 public:
  // Throws Error(kInvalidArgument) when a name is empty or two models share one.
  explicit ModelRegistry(std::vector<ModelSpec> specs, LoadObserver observer = {});
  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;

  std::size_t size() const { return entries_.size(); }
  // The model a request names: "" is the first; nullopt for a name no model has.
  std::optional<std::size_t> find(std::string_view name) const;
  // Every served name, model by model, for messages and listings.
  std::vector<std::string> all_names() const;
  const std::vector<std::string>& names(std::size_t index) const;

  // Loads every initial_load model, in order. Throws the first failure's Error.
  void load_initial();
  // The runtime serving model `index`. An initial_load model that has not loaded yet is
  // Error(kUnavailable) (retry; readiness says when); any other is loaded by this call
  // (the first request loads it, those that come meanwhile wait for that load). A failed
  // load is Error(kUnavailable) naming the model and the reason.
  std::shared_ptr<const ModelRuntime> acquire(std::size_t index);
  // Every runtime that may still run requests: what serves each model, and the loads a
  // reload replaced that requests in flight still hold (a shutdown ends them all).
  std::vector<std::shared_ptr<const ModelRuntime>> running() const;
  // Every initial_load model is loaded (the server's readiness).
  bool ready() const;
  ModelStatus status(std::size_t index) const;

  // Loads model `index` again, at `revision` ("": the revision it serves now), beside the
  // one that serves, and switches to it once it has loaded. When the load fails the old
  // one keeps serving and the load's Error is thrown. Error(kUnavailable) while another
  // load of the same model runs.
  void reload(std::size_t index, const std::string& revision);

 private:
  struct Entry {
    ModelSpec spec;
    ModelState state = ModelState::kUnloaded;
    bool reloading = false;
    std::shared_ptr<const ModelRuntime> runtime;
    std::vector<std::weak_ptr<const ModelRuntime>> retired;  // replaced by reloads
    std::string revision;
    std::string error;
    double load_seconds = 0;
    std::chrono::system_clock::time_point loaded_at;
  };

  // Runs spec.load (outside the lock) and tells the observer how it went; rethrows a
  // failure. `seconds` is how long it took.
  std::unique_ptr<ModelRuntime> run_load(const ModelSpec& spec, const std::string& revision,
                                         double& seconds) const;
  // Makes `runtime` what entry `index` serves (the caller holds the lock).
  void install(std::size_t index, std::unique_ptr<ModelRuntime> runtime, double seconds);
  // Loads entry `index`, whose state the caller set to kLoading, and records the outcome.
  void load_entry(std::size_t index, std::unique_lock<std::mutex>& lock);

  std::vector<Entry> entries_;
  LoadObserver observer_;
  mutable std::mutex mutex_;
  std::condition_variable loaded_;  // a load ended (state left kLoading)
};

}  // namespace hfserve::pipelines
