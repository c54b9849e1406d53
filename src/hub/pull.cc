#include "hub/pull.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "hub/blob_download.h"
#include "hub/file_selection.h"
#include "hub/hub_api.h"
#include "hub/hub_cache.h"
#include "hub/progress.h"
#include "hub/token.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::hub {
namespace fs = std::filesystem;
namespace {

PulledModel local_model(const ModelRef& ref) {
  PulledModel model;
  const fs::path path = ref.local_path;
  std::error_code error;
  if (ref.kind == ModelRefKind::kLocalGguf) {
    if (!fs::is_regular_file(path, error)) {
      throw Error(ErrorCode::kNotFound, "GGUF file " + ref.local_path + " does not exist");
    }
    model.dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    model.files = {path.filename().string()};
    return model;
  }
  if (!fs::is_directory(path, error)) {
    throw Error(ErrorCode::kNotFound, "model folder " + ref.local_path + " does not exist");
  }
  model.dir = path;
  for (fs::recursive_directory_iterator it(path, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file())
      model.files.push_back(it->path().lexically_relative(path).generic_string());
  }
  std::sort(model.files.begin(), model.files.end());
  return model;
}

// The files a cached snapshot offers for `ref`, when it holds everything a pull would
// have put there; nullopt when it is missing or incomplete.
std::optional<std::vector<RepoFile>> cached_selection(const HubCache& cache, const ModelRef& ref,
                                                      const std::string& commit) {
  const std::vector<RepoFile> files = cache.snapshot_files(ref.repo_id, commit);
  if (files.empty()) return std::nullopt;
  std::vector<RepoFile> chosen;
  try {
    chosen = select_repo_files(files, ref.quant, ref.repo_id);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (chosen.empty()) return std::nullopt;
  return chosen;
}

PulledModel from_cache(const HubCache& cache, const ModelRef& ref, const std::string& commit,
                       const std::vector<RepoFile>& files) {
  PulledModel model;
  model.repo_id = ref.repo_id;
  model.revision = ref.revision;
  model.commit = commit;
  model.dir = cache.snapshot_dir(ref.repo_id, commit);
  for (const RepoFile& file : files) model.files.push_back(file.path);
  return model;
}

PulledModel offline_model(const HubCache& cache, const ModelRef& ref, const std::string& why) {
  std::optional<std::string> commit = is_commit_hash(ref.revision)
                                          ? std::optional(ref.revision)
                                          : cache.read_ref(ref.repo_id, ref.revision);
  const std::string hint = "; run `hfserve pull " + ref.to_string() + "` with network access first";
  if (!commit) {
    throw Error(ErrorCode::kNotFound, "model " + ref.repo_id + " (revision " + ref.revision +
                                          ") is not in the cache at " + cache.root().string() +
                                          " and " + why + hint);
  }
  const std::vector<RepoFile> files = cache.snapshot_files(ref.repo_id, *commit);
  if (files.empty()) {
    throw Error(ErrorCode::kNotFound, "the cached snapshot " + *commit + " of " + ref.repo_id +
                                          " is empty and " + why + hint);
  }
  std::vector<RepoFile> chosen = select_repo_files(files, ref.quant, ref.repo_id);
  if (chosen.empty()) {
    throw Error(ErrorCode::kNotFound, "the cached snapshot " + *commit + " of " + ref.repo_id +
                                          " holds no model files and " + why + hint);
  }
  return from_cache(cache, ref, *commit, chosen);
}

void check_free_space(const fs::path& dir, std::int64_t needed) {
  struct statvfs info {};
  if (::statvfs(dir.c_str(), &info) != 0) return;
  const auto available =
      static_cast<std::int64_t>(info.f_bavail) * static_cast<std::int64_t>(info.f_frsize);
  if (available < needed) {
    throw Error(ErrorCode::kResourceExhausted,
                "not enough disk space for the download: " + human_bytes(needed) + " needed, " +
                    human_bytes(available) + " free in " + dir.string() +
                    "; free some space or point HF_HUB_CACHE elsewhere");
  }
}

}  // namespace

PulledModel pull_model(const ModelRef& ref, const HubSettings& settings, const PullOptions& options,
                       const EnvLookup& env) {
  if (ref.kind != ModelRefKind::kHub) return local_model(ref);
  const HubCache cache(settings.cache_dir);

  if (is_commit_hash(ref.revision)) {
    if (auto files = cached_selection(cache, ref, ref.revision)) {
      log::debug("{}@{} is fully cached; no network needed", ref.repo_id, ref.revision);
      return from_cache(cache, ref, ref.revision, *files);
    }
  }
  if (options.offline || settings.offline) {
    return offline_model(cache, ref, "offline mode is on (HF_HUB_OFFLINE=1 or --offline)");
  }

  const TokenSource token = discover_token(options.token, settings, env, options.token_source);
  log::info("Hugging Face token: {}", token.token ? "from " + token.source : "none found");
  HubClientOptions client;
  client.endpoint = settings.endpoint;
  client.token = token.token ? &*token.token : nullptr;
  client.retry = options.retry;
  client.low_speed_time_s = options.low_speed_time_s;

  RepoRevision revision;
  try {
    revision = fetch_revision(client, ref.repo_id, ref.revision);
  } catch (const Error& error) {
    // The Hub cannot be reached: a cached copy is better than no model (as the HF tools
    // do), but a refusal (401/403/404) is never papered over.
    if (error.code() != ErrorCode::kUnavailable) throw;
    log::warn("{}; looking in the cache instead", error.message());
    try {
      return offline_model(cache, ref, "the Hub cannot be reached (" + error.message() + ")");
    } catch (const Error&) {
      throw error;
    }
  }

  std::vector<RepoFile> listed;
  std::map<std::string, const Sibling*> by_path;
  for (const Sibling& sibling : revision.siblings) {
    listed.push_back({sibling.path, sibling.size});
    by_path[sibling.path] = &sibling;
  }
  const std::vector<RepoFile> chosen = select_repo_files(listed, ref.quant, ref.repo_id);
  if (chosen.empty()) {
    throw Error(ErrorCode::kNotFound,
                "model " + ref.repo_id + " at " + ref.revision +
                    " has no files hfserve can use (no config.json, safetensors or GGUF)");
  }

  // What is missing from the snapshot, one download per distinct blob.
  std::vector<BlobJob> jobs;
  std::vector<ProgressFile> progress_files;                  // one per job
  std::map<std::string, std::vector<const Sibling*>> links;  // blob -> files to link
  std::int64_t total = 0;
  std::int64_t resumed = 0;
  for (const RepoFile& file : chosen) {
    const Sibling& sibling = *by_path.at(file.path);
    if (cache.snapshot_has(ref.repo_id, revision.commit, sibling.path)) continue;
    auto& group = links[sibling.blob_name()];
    if (group.empty()) {
      std::error_code error;
      if (!fs::is_regular_file(cache.blob_path(ref.repo_id, sibling.blob_name()), error)) {
        jobs.push_back({ref.repo_id, revision.commit, sibling});
        const std::int64_t on_disk = incomplete_bytes(cache, ref.repo_id, sibling.blob_name());
        progress_files.push_back({sibling.path, sibling.size, on_disk});
        total += sibling.size;
        resumed += on_disk;
      }
    }
    group.push_back(&sibling);
  }
  fs::create_directories(cache.repo_dir(ref.repo_id) / "blobs");
  check_free_space(cache.repo_dir(ref.repo_id) / "blobs", total - resumed);

  PullProgress progress(ref.repo_id, std::move(progress_files),
                        {options.quiet || jobs.empty(), options.progress_log_period});
  std::vector<std::optional<Error>> failures(jobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> received{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      progress.start(i);
      try {
        received += download_blob(client, cache, jobs[i],
                                  [&](std::int64_t bytes) { progress.set_bytes(i, bytes); });
        progress.set_bytes(i, jobs[i].file.size);  // also when another process fetched it
        for (const Sibling* sibling : links.at(jobs[i].file.blob_name())) {
          cache.link_snapshot_file(ref.repo_id, revision.commit, sibling->path,
                                   sibling->blob_name());
        }
        progress.end(i, true);
      } catch (const Error& error) {
        failures[i] = error;
        progress.end(i, false);
      } catch (const std::exception& error) {
        failures[i] = Error(ErrorCode::kInternal, jobs[i].file.path + ": " + error.what());
        progress.end(i, false);
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(
      jobs.size(), static_cast<std::size_t>(std::max(1, options.parallel_downloads)));
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
  }
  for (const auto& failure : failures) {
    if (failure) throw *failure;
  }
  // Files whose blob was already there (another revision, another file) only need links.
  for (const auto& [blob, siblings] : links) {
    for (const Sibling* sibling : siblings) {
      if (!cache.snapshot_has(ref.repo_id, revision.commit, sibling->path)) {
        cache.link_snapshot_file(ref.repo_id, revision.commit, sibling->path, blob);
      }
    }
  }
  if (ref.revision != revision.commit) cache.write_ref(ref.repo_id, ref.revision, revision.commit);
  if (!jobs.empty()) progress.finish();

  PulledModel model = from_cache(cache, ref, revision.commit, chosen);
  model.downloaded_bytes = received;
  model.used_network = true;
  return model;
}

}  // namespace hfserve::hub
