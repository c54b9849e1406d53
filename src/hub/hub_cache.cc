#include "hub/hub_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <tuple>

#include "hub/model_ref.h"
#include "util/error.h"

namespace hfserve::hub {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kModelsPrefix = "models--";

// A name unique to this process and call, for a temporary beside its final name.
std::string temporary_suffix() {
  static std::atomic<unsigned long> counter{0};
  return ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

std::string read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Blob names every file of a snapshot leads to, and their count.
std::map<std::string, int> snapshot_blobs(const fs::path& snapshot) {
  std::map<std::string, int> blobs;
  std::error_code error;
  for (fs::recursive_directory_iterator it(snapshot, error), end; !error && it != end;
       it.increment(error)) {
    if (!it->is_symlink()) continue;
    const fs::path target = fs::read_symlink(it->path(), error);
    if (!error) ++blobs[target.filename().string()];
  }
  return blobs;
}

fs::file_time_type access_time(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return fs::file_time_type::min();
  const auto since_epoch =
      std::chrono::seconds(info.st_atim.tv_sec) + std::chrono::nanoseconds(info.st_atim.tv_nsec);
  return fs::file_time_type::clock::from_sys(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch)));
}

}  // namespace

HubCache::HubCache(fs::path root) : root_(std::move(root)) {}

fs::path HubCache::repo_dir(const std::string& repo_id) const {
  std::string folder(kModelsPrefix);
  for (char c : repo_id) {
    if (c == '/') {
      folder += "--";
    } else {
      folder += c;
    }
  }
  return root_ / folder;
}

fs::path HubCache::blob_path(const std::string& repo_id, const std::string& blob) const {
  return repo_dir(repo_id) / "blobs" / blob;
}

fs::path HubCache::lock_path(const std::string& repo_id, const std::string& blob) const {
  return root_ / ".locks" / repo_dir(repo_id).filename() / (blob + ".lock");
}

fs::path HubCache::snapshot_dir(const std::string& repo_id, const std::string& commit) const {
  return repo_dir(repo_id) / "snapshots" / commit;
}

std::optional<std::string> HubCache::read_ref(const std::string& repo_id,
                                              const std::string& revision) const {
  const fs::path path = repo_dir(repo_id) / "refs" / revision;
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return std::nullopt;
  std::string commit = read_small_file(path);
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == ' ')) commit.pop_back();
  if (!is_commit_hash(commit)) {
    throw Error(ErrorCode::kInternal,
                "the cache ref " + path.string() + " does not hold a 40-hex commit");
  }
  return commit;
}

void HubCache::write_ref(const std::string& repo_id, const std::string& revision,
                         const std::string& commit) const {
  const fs::path path = repo_dir(repo_id) / "refs" / revision;
  fs::create_directories(path.parent_path());
  const fs::path temporary = path.string() + temporary_suffix();
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << commit;
    if (!out.flush()) throw Error(ErrorCode::kInternal, "cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

void HubCache::link_snapshot_file(const std::string& repo_id, const std::string& commit,
                                  const std::string& path, const std::string& blob) const {
  const fs::path link = snapshot_dir(repo_id, commit) / path;
  fs::create_directories(link.parent_path());
  // From snapshots/<commit>/<dirs...>/<name> up to the repo folder, then into blobs/.
  fs::path target;
  const auto depth = std::count(path.begin(), path.end(), '/');
  for (long i = 0; i < depth + 2; ++i) target /= "..";
  target = target / "blobs" / blob;
  const fs::path temporary = link.string() + temporary_suffix();
  fs::create_symlink(target, temporary);
  fs::rename(temporary, link);
}

bool HubCache::snapshot_has(const std::string& repo_id, const std::string& commit,
                            const std::string& path) const {
  std::error_code error;
  return fs::is_regular_file(snapshot_dir(repo_id, commit) / path, error);
}

std::vector<RepoFile> HubCache::snapshot_files(const std::string& repo_id,
                                               const std::string& commit) const {
  std::vector<RepoFile> files;
  const fs::path dir = snapshot_dir(repo_id, commit);
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code file_error;
    if (!fs::is_regular_file(it->path(), file_error)) continue;
    const auto size = fs::file_size(it->path(), file_error);
    if (file_error) continue;
    files.push_back(
        {it->path().lexically_relative(dir).generic_string(), static_cast<std::int64_t>(size)});
  }
  std::sort(files.begin(), files.end(),
            [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
  return files;
}

std::vector<CachedSnapshot> HubCache::list() const {
  std::vector<CachedSnapshot> out;
  std::error_code error;
  for (fs::directory_iterator it(root_, error), end; !error && it != end; it.increment(error)) {
    const std::string folder = it->path().filename().string();
    if (!folder.starts_with(kModelsPrefix) || !it->is_directory()) continue;
    std::string repo_id = folder.substr(kModelsPrefix.size());
    if (const std::size_t dashes = repo_id.find("--"); dashes != std::string::npos) {
      repo_id.replace(dashes, 2, "/");
    }
    std::map<std::string, std::vector<std::string>> refs_by_commit;
    const fs::path refs = it->path() / "refs";
    std::error_code refs_error;
    for (fs::recursive_directory_iterator ref(refs, refs_error), ref_end;
         !refs_error && ref != ref_end; ref.increment(refs_error)) {
      if (!ref->is_regular_file()) continue;
      std::string commit = read_small_file(ref->path());
      while (!commit.empty() && commit.back() == '\n') commit.pop_back();
      refs_by_commit[commit].push_back(ref->path().lexically_relative(refs).generic_string());
    }
    std::error_code snap_error;
    for (fs::directory_iterator snap(it->path() / "snapshots", snap_error), snap_end;
         !snap_error && snap != snap_end; snap.increment(snap_error)) {
      CachedSnapshot snapshot;
      snapshot.repo_id = repo_id;
      snapshot.commit = snap->path().filename().string();
      snapshot.refs = refs_by_commit[snapshot.commit];
      for (const auto& [blob, count] : snapshot_blobs(snap->path())) {
        const fs::path blob_file = it->path() / "blobs" / blob;
        std::error_code size_error;
        const auto size = fs::file_size(blob_file, size_error);
        if (size_error) continue;
        snapshot.size_bytes += static_cast<std::int64_t>(size);
        snapshot.file_count += count;
        snapshot.last_used = std::max(snapshot.last_used, access_time(blob_file));
      }
      out.push_back(std::move(snapshot));
    }
  }
  std::sort(out.begin(), out.end(), [](const CachedSnapshot& a, const CachedSnapshot& b) {
    return std::tie(a.repo_id, a.commit) < std::tie(b.repo_id, b.commit);
  });
  return out;
}

std::int64_t HubCache::remove(const std::string& repo_id, const std::string& revision) const {
  const fs::path repo = repo_dir(repo_id);
  std::error_code error;
  if (!fs::is_directory(repo, error)) {
    throw Error(ErrorCode::kNotFound,
                "model " + repo_id + " is not in the cache at " + root_.string());
  }
  std::int64_t freed = 0;
  auto blob_bytes = [&](const fs::path& blobs) {
    std::int64_t total = 0;
    std::error_code size_error;
    for (fs::directory_iterator it(blobs, size_error), end; !size_error && it != end;
         it.increment(size_error)) {
      if (it->is_regular_file()) total += static_cast<std::int64_t>(it->file_size());
    }
    return total;
  };
  if (revision.empty()) {
    freed = blob_bytes(repo / "blobs");
    fs::remove_all(repo);
    fs::remove_all(root_ / ".locks" / repo.filename(), error);
    return freed;
  }
  std::string commit = revision;
  if (!is_commit_hash(revision)) {
    std::optional<std::string> named = read_ref(repo_id, revision);
    if (!named) {
      throw Error(ErrorCode::kNotFound,
                  "model " + repo_id + " has no revision '" + revision + "' in the cache");
    }
    commit = *named;
  }
  const fs::path snapshot = snapshot_dir(repo_id, commit);
  if (!fs::is_directory(snapshot, error)) {
    throw Error(ErrorCode::kNotFound,
                "model " + repo_id + " has no snapshot " + commit + " in the cache");
  }
  const std::map<std::string, int> removed_blobs = snapshot_blobs(snapshot);
  fs::remove_all(snapshot);
  std::set<std::string> still_used;
  for (fs::directory_iterator it(repo / "snapshots", error), end; !error && it != end;
       it.increment(error)) {
    for (const auto& [blob, count] : snapshot_blobs(it->path())) still_used.insert(blob);
  }
  for (const auto& [blob, count] : removed_blobs) {
    if (still_used.count(blob) != 0) continue;
    const fs::path blob_file = repo / "blobs" / blob;
    std::error_code size_error;
    const auto size = fs::file_size(blob_file, size_error);
    if (!size_error && fs::remove(blob_file, size_error)) freed += static_cast<std::int64_t>(size);
  }
  std::error_code refs_error;
  std::vector<fs::path> stale_refs;
  for (fs::recursive_directory_iterator ref(repo / "refs", refs_error), end;
       !refs_error && ref != end; ref.increment(refs_error)) {
    if (ref->is_regular_file() && read_small_file(ref->path()) == commit) {
      stale_refs.push_back(ref->path());
    }
  }
  for (const fs::path& ref : stale_refs) fs::remove(ref, error);
  if (fs::is_empty(repo / "snapshots", error)) {
    freed += blob_bytes(repo / "blobs");
    fs::remove_all(repo);
  }
  return freed;
}

}  // namespace hfserve::hub
