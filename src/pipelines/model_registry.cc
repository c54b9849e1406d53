#include "pipelines/model_registry.h"

#include <exception>
#include <map>

#include "util/error.h"
#include "util/log.h"

namespace hfserve::pipelines {
namespace {

// What went wrong, without the code prefix an Error's what() carries.
std::string reason(const std::exception& error) {
  const auto* ours = dynamic_cast<const Error*>(&error);
  return ours ? ours->message() : error.what();
}

}  // namespace

std::string_view model_state_name(ModelState state) {
  switch (state) {
    case ModelState::kUnloaded:
      return "unloaded";
    case ModelState::kLoading:
      return "loading";
    case ModelState::kReady:
      return "ready";
    case ModelState::kFailed:
      return "failed";
  }
  return "unknown";
}

ModelRegistry::ModelRegistry(std::vector<ModelSpec> specs, LoadObserver observer)
    : observer_(std::move(observer)) {
  std::map<std::string, std::size_t> owner;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].names.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "model " + std::to_string(i + 1) + " (" + specs[i].reference + ") has no name");
    }
    for (const std::string& name : specs[i].names) {
      if (name.empty()) {
        throw Error(ErrorCode::kInvalidArgument, "model " + std::to_string(i + 1) + " (" +
                                                     specs[i].reference + ") has an empty name");
      }
      if (auto [it, fresh] = owner.emplace(name, i); !fresh) {
        throw Error(ErrorCode::kInvalidArgument,
                    "the name '" + name + "' is given to model " + std::to_string(it->second + 1) +
                        " (" + specs[it->second].reference + ") and to model " +
                        std::to_string(i + 1) + " (" + specs[i].reference +
                        "); a name must lead to one model");
      }
    }
  }
  entries_.reserve(specs.size());
  for (ModelSpec& spec : specs) entries_.push_back(Entry{std::move(spec)});
}

std::optional<std::size_t> ModelRegistry::find(std::string_view name) const {
  if (name.empty()) return entries_.empty() ? std::nullopt : std::optional<std::size_t>(0);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    for (const std::string& n : entries_[i].spec.names) {
      if (n == name) return i;
    }
  }
  return std::nullopt;
}

std::vector<std::string> ModelRegistry::all_names() const {
  std::vector<std::string> out;
  for (const Entry& entry : entries_) {
    out.insert(out.end(), entry.spec.names.begin(), entry.spec.names.end());
  }
  return out;
}

const std::vector<std::string>& ModelRegistry::names(std::size_t index) const {
  return entries_.at(index).spec.names;
}

std::unique_ptr<ModelRuntime> ModelRegistry::run_load(const ModelSpec& spec,
                                                      const std::string& revision,
                                                      double& seconds) const {
  const auto start = std::chrono::system_clock::now();
  const auto clock = std::chrono::steady_clock::now();
  try {
    std::unique_ptr<ModelRuntime> runtime = spec.load(revision);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count();
    if (observer_) observer_(spec, start, runtime.get(), "");
    return runtime;
  } catch (const std::exception& error) {
    if (observer_) observer_(spec, start, nullptr, reason(error));
    throw;
  }
}

void ModelRegistry::install(std::size_t index, std::unique_ptr<ModelRuntime> runtime,
                            double seconds) {
  Entry& entry = entries_[index];
  entry.runtime = std::move(runtime);
  entry.state = ModelState::kReady;
  entry.error.clear();
  entry.load_seconds = seconds;
  entry.loaded_at = std::chrono::system_clock::now();
}

void ModelRegistry::load_entry(std::size_t index, std::unique_lock<std::mutex>& lock) {
  Entry& entry = entries_[index];
  const std::string revision = entry.revision;
  lock.unlock();
  std::unique_ptr<ModelRuntime> runtime;
  std::exception_ptr failure;
  std::string message;
  double seconds = 0;
  try {
    runtime = run_load(entry.spec, revision, seconds);
  } catch (const std::exception& error) {
    failure = std::current_exception();
    message = reason(error);
  }
  lock.lock();
  if (runtime) {
    install(index, std::move(runtime), seconds);
  } else {
    entry.state = ModelState::kFailed;
    entry.error = message;
  }
  loaded_.notify_all();
  if (failure) std::rethrow_exception(failure);
}

void ModelRegistry::load_initial() {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    std::unique_lock lock(mutex_);
    if (!entries_[i].spec.initial_load || entries_[i].state != ModelState::kUnloaded) continue;
    entries_[i].state = ModelState::kLoading;
    load_entry(i, lock);
  }
}

std::shared_ptr<const ModelRuntime> ModelRegistry::acquire(std::size_t index) {
  std::unique_lock lock(mutex_);
  Entry& entry = entries_.at(index);
  const std::string& name = entry.spec.names.front();
  if (entry.state == ModelState::kReady) return entry.runtime;
  if (entry.spec.initial_load) {
    throw Error(ErrorCode::kUnavailable,
                "the model '" + name + "' is still loading; retry shortly");
  }
  if (entry.state == ModelState::kLoading) {
    loaded_.wait(lock, [&] { return entry.state != ModelState::kLoading; });
    if (entry.state == ModelState::kReady) return entry.runtime;
    throw Error(ErrorCode::kUnavailable,
                "the model '" + name + "' could not be loaded: " + entry.error);
  }
  log::info("loading '{}' ({}) for its first request", name, entry.spec.reference);
  entry.state = ModelState::kLoading;
  try {
    load_entry(index, lock);
  } catch (const std::exception& error) {
    throw Error(ErrorCode::kUnavailable,
                "the model '" + name + "' could not be loaded: " + reason(error));
  }
  return entry.runtime;
}

std::vector<std::shared_ptr<const ModelRuntime>> ModelRegistry::running() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const ModelRuntime>> out;
  for (const Entry& entry : entries_) {
    if (entry.runtime) out.push_back(entry.runtime);
    for (const auto& old : entry.retired) {
      if (auto runtime = old.lock()) out.push_back(std::move(runtime));
    }
  }
  return out;
}

bool ModelRegistry::ready() const {
  std::lock_guard lock(mutex_);
  for (const Entry& entry : entries_) {
    if (entry.spec.initial_load && entry.state != ModelState::kReady) return false;
  }
  return true;
}

ModelStatus ModelRegistry::status(std::size_t index) const {
  std::lock_guard lock(mutex_);
  const Entry& entry = entries_.at(index);
  ModelStatus out;
  out.spec.names = entry.spec.names;
  out.spec.reference = entry.spec.reference;
  out.spec.initial_load = entry.spec.initial_load;
  out.state = entry.state;
  out.reloading = entry.reloading;
  for (const auto& old : entry.retired) out.draining += old.expired() ? 0 : 1;
  out.runtime = entry.runtime;
  out.revision = entry.revision;
  out.error = entry.error;
  out.load_seconds = entry.load_seconds;
  out.loaded_at = entry.loaded_at;
  return out;
}

void ModelRegistry::reload(std::size_t index, const std::string& revision) {
  std::shared_ptr<const ModelRuntime> old;  // freed after the lock, once no request holds it
  std::unique_lock lock(mutex_);
  Entry& entry = entries_.at(index);
  const std::string& name = entry.spec.names.front();
  if (entry.state == ModelState::kLoading || entry.reloading) {
    throw Error(ErrorCode::kUnavailable,
                "a load of '" + name + "' is already running; retry when it has ended");
  }
  const std::string wanted = revision.empty() ? entry.revision : revision;
  if (entry.state != ModelState::kReady) {  // nothing serves yet: this is its first load
    const std::string previous = entry.revision;
    entry.revision = wanted;
    entry.state = ModelState::kLoading;
    try {
      load_entry(index, lock);
    } catch (const std::exception&) {
      entry.revision = previous;
      throw;
    }
    return;
  }
  entry.reloading = true;
  lock.unlock();
  std::unique_ptr<ModelRuntime> runtime;
  double seconds = 0;
  try {
    runtime = run_load(entry.spec, wanted, seconds);
  } catch (const std::exception& error) {
    lock.lock();
    entry.reloading = false;
    entry.error = reason(error);
    throw;
  }
  lock.lock();
  entry.reloading = false;
  old = std::move(entry.runtime);
  std::erase_if(entry.retired, [](const auto& retired) { return retired.expired(); });
  entry.retired.push_back(old);
  entry.revision = wanted;
  install(index, std::move(runtime), seconds);
}

}  // namespace hfserve::pipelines
